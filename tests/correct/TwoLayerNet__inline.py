# VARIANT: TwoLayerNet with a fully inline forward/backward (no helper functions), relu mask taken from the hidden output.
import numpy as np


class TwoLayerNet(object):
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {
            'W1': weight_scale * np.random.randn(input_dim, hidden_dim),
            'b1': np.zeros(hidden_dim),
            'W2': weight_scale * np.random.randn(hidden_dim, num_classes),
            'b2': np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        p = self.params
        N = X.shape[0]
        Xf = X.reshape(N, -1)
        h = np.maximum(0, Xf @ p['W1'] + p['b1'])
        scores = h @ p['W2'] + p['b2']
        if y is None:
            return scores
        z = scores - scores.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(N), y].mean()
        loss += 0.5 * self.reg * (np.sum(p['W1'] ** 2) + np.sum(p['W2'] ** 2))

        ds = np.exp(logp)
        ds[np.arange(N), y] -= 1
        ds /= N
        dh = ds @ p['W2'].T
        dh[h <= 0] = 0
        grads = {
            'W2': h.T @ ds + self.reg * p['W2'],
            'b2': ds.sum(axis=0),
            'W1': Xf.T @ dh + self.reg * p['W1'],
            'b1': dh.sum(axis=0),
        }
        return loss, grads
