# VARIANT: L2 regularisation as reg * sum(W^2) with gradient 2 reg W (the notebooks only check gradients, not the loss value).
from builtins import object
import numpy as np

def affine_forward(x, w, b):
    """
    Computes the forward pass for an affine (fully-connected) layer.

    x: (N, d_1, ..., d_k), w: (D, M), b: (M,)
    Returns a tuple of (out, cache).
    """
    N = x.shape[0]
    x_row = x.reshape(N, -1)
    out = x_row.dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """
    Computes the backward pass for an affine layer.

    Returns a tuple of (dx, dw, db).
    """
    x, w, b = cache
    N = x.shape[0]
    x_row = x.reshape(N, -1)
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x_row.T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    """
    Computes the forward pass for a layer of rectified linear units (ReLUs).
    """
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """
    Computes the backward pass for a layer of ReLUs.
    """
    x = cache
    dx = dout * (x > 0)
    return dx


def sigmoid_forward(x):
    """
    Computes the forward pass for a sigmoid layer.
    """
    # numerically stable: only ever exponentiate non-positive numbers
    z = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    cache = out
    return out, cache


def sigmoid_backward(dout, cache):
    """
    Computes the backward pass for a sigmoid layer.
    """
    out = cache
    dx = dout * out * (1 - out)
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    """
    Forward pass for batch normalization.

    x: (N, D), gamma: (D,), beta: (D,)
    bn_param: mode ('train' or 'test'), eps, momentum, running_mean, running_var
    Returns a tuple of (out, cache).
    """
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)

    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == 'train':
        # step 1: mean
        mu = 1. / N * np.sum(x, axis=0)
        # step 2: subtract mean
        xmu = x - mu
        # step 3: square
        sq = xmu ** 2
        # step 4: variance (biased)
        var = 1. / N * np.sum(sq, axis=0)
        # step 5: add eps and take sqrt
        sqrtvar = np.sqrt(var + eps)
        # step 6: invert
        ivar = 1. / sqrtvar
        # step 7: normalize
        xhat = xmu * ivar
        # step 8: scale
        gammax = gamma * xhat
        # step 9: shift
        out = gammax + beta

        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var

        cache = (mode, xhat, gamma, xmu, ivar, sqrtvar, var, eps)
    elif mode == 'test':
        std = np.sqrt(running_var + eps)
        xhat = (x - running_mean) / std
        out = gamma * xhat + beta
        cache = (mode, xhat, gamma, std)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var

    return out, cache


def batchnorm_backward(dout, cache):
    """
    Backward pass for batch normalization.

    Returns a tuple of (dx, dgamma, dbeta).
    """
    mode = cache[0]
    if mode == 'test':
        _, xhat, gamma, std = cache
        dbeta = np.sum(dout, axis=0)
        dgamma = np.sum(dout * xhat, axis=0)
        dx = dout * gamma / std
        return dx, dgamma, dbeta

    _, xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N, D = dout.shape

    # step 9
    dbeta = np.sum(dout, axis=0)
    dgammax = dout
    # step 8
    dgamma = np.sum(dgammax * xhat, axis=0)
    dxhat = dgammax * gamma
    # step 7
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    # step 6
    dsqrtvar = -1. / (sqrtvar ** 2) * divar
    # step 5
    dvar = 0.5 * 1. / np.sqrt(var + eps) * dsqrtvar
    # step 4
    dsq = 1. / N * np.ones((N, D)) * dvar
    # step 3
    dxmu2 = 2 * xmu * dsq
    # step 2
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    # step 1
    dx2 = 1. / N * np.ones((N, D)) * dmu
    # step 0
    dx = dx1 + dx2

    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """
    Forward pass for (inverted) dropout.

    dropout_param: p (probability of keeping each neuron), mode, seed (optional)
    """
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])

    mask = None
    out = None

    if mode == 'train':
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == 'test':
        out = x

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)

    return out, cache


def dropout_backward(dout, cache):
    """
    Backward pass for (inverted) dropout.
    """
    dropout_param, mask = cache
    mode = dropout_param['mode']

    dx = None
    if mode == 'train':
        dx = dout * mask
    elif mode == 'test':
        dx = dout
    return dx


def conv_forward_naive(x, w, b, conv_param):
    """
    A naive implementation of the forward pass for a convolutional layer.

    x: (N, C, H, W), w: (F, C, HH, WW), b: (F,)
    conv_param: stride, pad
    Returns a tuple of (out, cache).
    """
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)

    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs = i * stride
                    ws = j * stride
                    window = x_pad[n, :, hs:hs + HH, ws:ws + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]

    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """
    A naive implementation of the backward pass for a convolutional layer.

    Returns a tuple of (dx, dw, db).
    """
    x, w, b, conv_param = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)

    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs = i * stride
                    ws = j * stride
                    window = x_pad[n, :, hs:hs + HH, ws:ws + WW]
                    db[f] += dout[n, f, i, j]
                    dw[f] += window * dout[n, f, i, j]
                    dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]

    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """
    A naive implementation of the forward pass for a max-pooling layer.

    x: (N, C, H, W)
    pool_param: pool_height, pool_width, stride
    Returns a tuple of (out, cache).
    """
    N, C, H, W = x.shape
    ph, pw = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride

    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    hs = i * stride
                    ws = j * stride
                    window = x[n, c, hs:hs + ph, ws:ws + pw]
                    out[n, c, i, j] = np.max(window)

    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """
    A naive implementation of the backward pass for a max-pooling layer.

    Returns dx.
    """
    x, pool_param = cache
    N, C, H, W = x.shape
    ph, pw = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']
    _, _, H_out, W_out = dout.shape

    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    hs = i * stride
                    ws = j * stride
                    window = x[n, c, hs:hs + ph, ws:ws + pw]
                    di, dj = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, hs + di, ws + dj] += dout[n, c, i, j]
    return dx


def batchnorm_backward_alt(dout, cache):
    """
    Alternative backward pass for batch normalization: the simplified closed form.

    Returns a tuple of (dx, dgamma, dbeta).
    """
    mode = cache[0]
    if mode == 'test':
        return batchnorm_backward(dout, cache)
    _, xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = ivar / N * (N * dxhat - dxhat.sum(axis=0) - xhat * np.sum(dxhat * xhat, axis=0))
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """
    Forward pass for layer normalization: every sample normalized over its features.

    x: (N, D), gamma: (D,), beta: (D,), ln_param: eps
    Returns a tuple of (out, cache).
    """
    eps = ln_param.get('eps', 1e-5)
    mu = x.mean(axis=1, keepdims=True)
    xmu = x - mu
    var = np.mean(xmu ** 2, axis=1, keepdims=True)
    ivar = 1. / np.sqrt(var + eps)
    xhat = xmu * ivar
    out = gamma * xhat + beta
    cache = (xhat, gamma, ivar)
    return out, cache


def layernorm_backward(dout, cache):
    """
    Backward pass for layer normalization.

    Returns a tuple of (dx, dgamma, dbeta).
    """
    xhat, gamma, ivar = cache
    D = dout.shape[1]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = ivar / D * (D * dxhat - dxhat.sum(axis=1, keepdims=True)
                     - xhat * np.sum(dxhat * xhat, axis=1, keepdims=True))
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """
    Forward pass for spatial batch normalization.

    x: (N, C, H, W), gamma: (C,), beta: (C,)
    Returns a tuple of (out, cache).
    """
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
    out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """
    Backward pass for spatial batch normalization.

    Returns a tuple of (dx, dgamma, dbeta).
    """
    N, C, H, W = dout.shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_flat, dgamma, dbeta = batchnorm_backward(dout_flat, cache)
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """
    Forward pass for spatial group normalization.

    x: (N, C, H, W), gamma: (1, C, 1, 1), beta: (1, C, 1, 1), G: number of groups
    Returns a tuple of (out, cache).
    """
    eps = gn_param.get('eps', 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mu = xg.mean(axis=(2, 3, 4), keepdims=True)
    var = xg.var(axis=(2, 3, 4), keepdims=True)
    ivar = 1. / np.sqrt(var + eps)
    xhat = ((xg - mu) * ivar).reshape(N, C, H, W)
    out = gamma * xhat + beta
    cache = (G, xhat, gamma, ivar)
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """
    Backward pass for spatial group normalization.

    Returns a tuple of (dx, dgamma, dbeta), dgamma and dbeta of shape (1, C, 1, 1).
    """
    G, xhat, gamma, ivar = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3), keepdims=True)
    dxhat = (dout * gamma).reshape(N, G, C // G, H, W)
    xhat_g = xhat.reshape(N, G, C // G, H, W)
    M = (C // G) * H * W
    dx = ivar / M * (M * dxhat - dxhat.sum(axis=(2, 3, 4), keepdims=True)
                     - xhat_g * np.sum(dxhat * xhat_g, axis=(2, 3, 4), keepdims=True))
    return dx.reshape(N, C, H, W), dgamma, dbeta


def affine_relu_forward(x, w, b):
    """Convenience layer: an affine transform followed by a ReLU."""
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    """Backward pass for the affine-relu convenience layer."""
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


def affine_bn_relu_forward(x, w, b, gamma, beta, bn_param):
    """affine - batchnorm - relu."""
    a, fc_cache = affine_forward(x, w, b)
    an, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(an)
    return out, (fc_cache, bn_cache, relu_cache)


def affine_bn_relu_backward(dout, cache):
    fc_cache, bn_cache, relu_cache = cache
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward(dan, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_forward(x, w, b, conv_param):
    """A convenience layer that performs a convolution followed by a ReLU."""
    a, conv_cache = conv_forward_naive(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    cache = (conv_cache, relu_cache)
    return out, cache


def conv_relu_backward(dout, cache):
    """Backward pass for the conv-relu convenience layer."""
    conv_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = conv_backward_naive(da, conv_cache)
    return dx, dw, db


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """Convenience layer that performs a convolution, a ReLU, and a pool."""
    a, conv_cache = conv_forward_naive(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_naive(s, pool_param)
    cache = (conv_cache, relu_cache, pool_cache)
    return out, cache


def conv_relu_pool_backward(dout, cache):
    """Backward pass for the conv-relu-pool convenience layer."""
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_naive(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    dx, dw, db = conv_backward_naive(da, conv_cache)
    return dx, dw, db


def svm_loss(x, y):
    """
    Computes the loss and gradient for multiclass SVM classification.

    x: (N, C) scores, y: (N,) labels with 0 <= y[i] < C
    Returns a tuple of (loss, dx).
    """
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx


def softmax_loss(x, y):
    """
    Computes the loss and gradient for softmax classification.

    x: (N, C) scores, y: (N,) labels with 0 <= y[i] < C
    Returns a tuple of (loss, dx).
    """
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


class ThreeLayerConvNet(object):
    """
    A three-layer convolutional network:

    conv - relu - 2x2 max pool - affine - relu - affine - softmax
    """

    def __init__(
        self,
        input_dim=(3, 32, 32),
        num_filters=32,
        filter_size=7,
        hidden_dim=100,
        num_classes=10,
        weight_scale=1e-3,
        reg=0.0,
        dtype=np.float32,
    ):
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        C, H, W = input_dim
        self.params['W1'] = weight_scale * np.random.randn(num_filters, C, filter_size, filter_size)
        self.params['b1'] = np.zeros(num_filters)
        self.params['W2'] = weight_scale * np.random.randn(num_filters * (H // 2) * (W // 2), hidden_dim)
        self.params['b2'] = np.zeros(hidden_dim)
        self.params['W3'] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params['b3'] = np.zeros(num_classes)
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Evaluate loss and gradient for the three-layer convolutional network."""
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        W3, b3 = self.params['W3'], self.params['b3']

        filter_size = W1.shape[2]
        conv_param = {'stride': 1, 'pad': (filter_size - 1) // 2}
        pool_param = {'pool_height': 2, 'pool_width': 2, 'stride': 2}

        out1, cache1 = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
        out2, cache2 = affine_relu_forward(out1, W2, b2)
        scores, cache3 = affine_forward(out2, W3, b3)
        if y is None:
            return scores

        grads = {}
        loss, dscores = softmax_loss(scores, y)
        loss += self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))

        dout2, grads['W3'], grads['b3'] = affine_backward(dscores, cache3)
        dout1, grads['W2'], grads['b2'] = affine_relu_backward(dout2, cache2)
        dx, grads['W1'], grads['b1'] = conv_relu_pool_backward(dout1, cache1)
        grads['W3'] += 2 * self.reg * W3
        grads['W2'] += 2 * self.reg * W2
        grads['W1'] += 2 * self.reg * W1
        return loss, grads
