# BUG: backward multiplies dout in place (dout *= ...; return dout): values are right but the caller's upstream gradient is modified.
import numpy as np


def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    cache = (x, out)
    return out, cache


def sigmoid_backward(dout, cache):
    x, out = cache
    dout *= out * (1.0 - out)
    dx = dout
    return dx
