# BUG: backward returns the local gradient out*(1-out) without multiplying by dout.
# DIAGNOSIS: upstream_ignored
import numpy as np


def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    cache = (x, out)
    return out, cache


def sigmoid_backward(dout, cache):
    x, out = cache
    dx = out * (1.0 - out)
    return dx
