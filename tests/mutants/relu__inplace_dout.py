# BUG: backward zeroes dout in place (dout[x <= 0] = 0; return dout): values are right but the caller's upstream gradient is modified.
import numpy as np


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dout[x <= 0] = 0
    dx = dout
    return dx
