# BUG: backward multiplies dout by the relu output max(0, x) instead of the 0/1 mask.
import numpy as np


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = dout * np.maximum(0, x)
    return dx
