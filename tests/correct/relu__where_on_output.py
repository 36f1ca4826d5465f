# VARIANT: relu with np.where; backward masks on the cached OUTPUT (out > 0) instead of the input.
import numpy as np


def relu_forward(x):
    out = np.where(x > 0, x, 0.0)
    cache = out
    return out, cache


def relu_backward(dout, cache):
    out = cache
    dx = np.where(out > 0, dout, 0.0)
    return dx
