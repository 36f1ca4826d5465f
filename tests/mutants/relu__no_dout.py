# BUG: backward returns the 0/1 mask (x > 0) without multiplying by dout.
# DIAGNOSIS: upstream_ignored
import numpy as np


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = (x > 0).astype(float)
    return dx
