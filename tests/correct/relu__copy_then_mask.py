# VARIANT: relu that copies first and then zeroes entries with boolean indexing (no aliasing of x or dout).
import numpy as np


def relu_forward(x):
    out = x.copy()
    out[out < 0] = 0
    cache = x.copy()
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = np.array(dout, copy=True)
    dx[x <= 0] = 0
    return dx
