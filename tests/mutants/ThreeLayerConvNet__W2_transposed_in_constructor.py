# BUG: the constructor makes W2 (hidden_dim, F*H/2*W/2), the transpose of the course's; loss uses it as (F*H/2*W/2, hidden_dim) and breaks on the model's own parameters.
import numpy as np


def _conv_relu_pool_forward(x, w, b, pad):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = H + 2 * pad - HH + 1, W + 2 * pad - WW + 1
    a = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            a[:, :, i, j] = np.tensordot(xp[:, :, i:i + HH, j:j + WW], w, axes=([1, 2, 3], [1, 2, 3])) + b
    r = np.maximum(0, a)
    pooled = r.reshape(N, F, Ho // 2, 2, Wo // 2, 2).max(axis=(3, 5))
    return pooled, (xp, w, a, r, pad)


def _conv_relu_pool_backward(dout, cache):
    xp, w, a, r, pad = cache
    N, F, Ho, Wo = r.shape
    _, C, HH, WW = w.shape
    win = r.reshape(N, F, Ho // 2, 2, Wo // 2, 2)
    first = (win == win.max(axis=(3, 5), keepdims=True))
    first = first & (np.cumsum(np.cumsum(first, axis=3), axis=5) == 1)  # one max per window
    dr = (first * dout[:, :, :, None, :, None]).reshape(N, F, Ho, Wo)
    da = dr * (a > 0)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(Ho):
        for j in range(Wo):
            dw += np.tensordot(da[:, :, i, j], xp[:, :, i:i + HH, j:j + WW], axes=([0], [0]))
            dxp[:, :, i:i + HH, j:j + WW] += np.tensordot(da[:, :, i, j], w, axes=([1], [0]))
    return dw, da.sum(axis=(0, 2, 3))


class ThreeLayerConvNet(object):
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0, dtype=np.float32):
        C, H, W = input_dim
        self.reg = reg
        self.params = {
            'W1': weight_scale * np.random.randn(num_filters, C, filter_size, filter_size),
            'b1': np.zeros(num_filters),
            'W2': weight_scale * np.random.randn(hidden_dim, num_filters * (H // 2) * (W // 2)),
            'b2': np.zeros(hidden_dim),
            'W3': weight_scale * np.random.randn(hidden_dim, num_classes),
            'b3': np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        W1, b1, W2, b2, W3, b3 = (self.params[k] for k in ('W1', 'b1', 'W2', 'b2', 'W3', 'b3'))
        pooled, conv_cache = _conv_relu_pool_forward(X, W1, b1, (W1.shape[2] - 1) // 2)
        N = X.shape[0]
        flat = pooled.reshape(N, -1)
        h = np.maximum(0, flat.dot(W2) + b2)
        scores = h.dot(W3) + b3
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(N), y].mean()
        loss += 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {'W3': h.T.dot(dscores) + self.reg * W3, 'b3': dscores.sum(axis=0)}
        dh = dscores.dot(W3.T) * (h > 0)
        grads['W2'] = flat.T.dot(dh) + self.reg * W2
        grads['b2'] = dh.sum(axis=0)
        dpooled = dh.dot(W2.T).reshape(pooled.shape)
        dW1, grads['b1'] = _conv_relu_pool_backward(dpooled, conv_cache)
        grads['W1'] = dW1 + self.reg * W1
        return loss, grads
