# VARIANT: gamma and beta kept as (1, D) arrays (broadcast against (N, D)), their gradients (1, D) too.
import numpy as np


def _bn(h, gamma, beta, axis):
    mu = h.mean(axis=axis, keepdims=True)
    var = h.var(axis=axis, keepdims=True)
    ivar = 1. / np.sqrt(var + 1e-5)
    hhat = (h - mu) * ivar
    return gamma * hhat + beta, (hhat, gamma, ivar, axis)


def _bn_back(dout, cache):
    hhat, gamma, ivar, axis = cache
    M = dout.shape[axis]
    dgamma = np.sum(dout * hhat, axis=0, keepdims=True)  # (1, D), as gamma is kept
    dbeta = dout.sum(axis=0, keepdims=True)
    dh = dout * gamma
    dx = ivar / M * (M * dh - dh.sum(axis=axis, keepdims=True) - hhat * np.sum(dh * hhat, axis=axis, keepdims=True))
    return dx, dgamma, dbeta


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.keep = dropout_keep_ratio
        self.seed = seed
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.params = {}
        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(self.num_layers):
            self.params['W%d' % (i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params['b%d' % (i + 1)] = np.zeros(dims[i + 1])
            if normalization is not None and i < self.num_layers - 1:
                self.params['gamma%d' % (i + 1)] = np.ones((1, dims[i + 1]))
                self.params['beta%d' % (i + 1)] = np.zeros((1, dims[i + 1]))

    def _mask(self, shape):
        np.random.seed(self.seed)
        return (np.random.rand(*shape) < self.keep) / self.keep

    def loss(self, X, y=None):
        L = self.num_layers
        h = X.reshape(X.shape[0], -1)
        caches = []
        for i in range(1, L):
            x_in = h
            a = h.dot(self.params['W%d' % i]) + self.params['b%d' % i]
            norm_cache = None
            if self.normalization is not None:
                a, norm_cache = _bn(a, self.params['gamma%d' % i], self.params['beta%d' % i],
                                    0 if self.normalization == 'batchnorm' else 1)
            h = np.maximum(0, a)
            mask = self._mask(h.shape) if self.use_dropout else None
            if mask is not None:
                h = h * mask
            caches.append((x_in, a, norm_cache, mask))
        scores = h.dot(self.params['W%d' % L]) + self.params['b%d' % L]
        if y is None:
            return scores
        N = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(N), y].mean()
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        loss += 0.5 * self.reg * sum(np.sum(self.params['W%d' % i] ** 2) for i in range(1, L + 1))
        grads = {}
        grads['W%d' % L] = h.T.dot(dscores) + self.reg * self.params['W%d' % L]
        grads['b%d' % L] = dscores.sum(axis=0)
        dh = dscores.dot(self.params['W%d' % L].T)
        for i in range(L - 1, 0, -1):
            x_in, a, norm_cache, mask = caches[i - 1]
            if mask is not None:
                dh = dh * mask
            da = dh * (a > 0)
            if norm_cache is not None:
                da, grads['gamma%d' % i], grads['beta%d' % i] = _bn_back(da, norm_cache)
            grads['W%d' % i] = x_in.T.dot(da) + self.reg * self.params['W%d' % i]
            grads['b%d' % i] = da.sum(axis=0)
            dh = da.dot(self.params['W%d' % i].T)
        return loss, grads
