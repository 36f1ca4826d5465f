# BUG: backward applies relu to dout (np.maximum(0, dout)) instead of masking by x > 0.
import numpy as np


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = np.maximum(0, dout)
    return dx
