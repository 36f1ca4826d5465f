# BUG: backward skips the relu: the upstream gradient goes straight into the affine backward.
import numpy as np


def _affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1).dot(w) + b, (x, w, b)


def _affine_backward(dout, cache):
    x, w, b = cache
    return dout.dot(w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T.dot(dout), dout.sum(axis=0)


def _relu_forward(x):
    return np.maximum(0, x), x


def _relu_backward(dout, cache):
    return dout * (cache > 0)


def affine_relu_forward(x, w, b):
    a, fc_cache = _affine_forward(x, w, b)
    out, relu_cache = _relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    return _affine_backward(dout, fc_cache)
