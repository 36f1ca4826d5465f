# BUG: the softmax gradient is not divided by N although the loss is averaged (only shows when N > 1).
# DIAGNOSIS: scale factor N
import numpy as np


def _affine_forward(x, w, b):
    x_flat = x.reshape(x.shape[0], -1)
    out = x_flat.dot(w) + b
    return out, (x, w)


def _affine_backward(dout, cache):
    x, w = cache
    x_flat = x.reshape(x.shape[0], -1)
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x_flat.T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def _relu_forward(x):
    return np.maximum(0, x), x


def _relu_backward(dout, cache):
    return dout * (cache > 0)


def _softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return loss, dx


class TwoLayerNet(object):
    """affine - relu - affine - softmax."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        self.params = {}
        self.reg = reg
        self.params['W1'] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params['b1'] = np.zeros(hidden_dim)
        self.params['W2'] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params['b2'] = np.zeros(num_classes)

    def loss(self, X, y=None):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']

        a1, fc1_cache = _affine_forward(X, W1, b1)
        h1, relu_cache = _relu_forward(a1)
        scores, fc2_cache = _affine_forward(h1, W2, b2)
        if y is None:
            return scores

        grads = {}
        data_loss, dscores = _softmax_loss(scores, y)
        reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        loss = data_loss + reg_loss

        dh1, dW2, db2 = _affine_backward(dscores, fc2_cache)
        da1 = _relu_backward(dh1, relu_cache)
        dX, dW1, db1 = _affine_backward(da1, fc1_cache)

        grads['W1'] = dW1 + self.reg * W1
        grads['b1'] = db1
        grads['W2'] = dW2 + self.reg * W2
        grads['b2'] = db2
        return loss, grads
