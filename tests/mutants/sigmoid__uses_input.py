# BUG: backward uses the input x instead of the output in out*(1-out).
import numpy as np


def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    cache = (x, out)
    return out, cache


def sigmoid_backward(dout, cache):
    x, out = cache
    dx = dout * x * (1.0 - x)
    return dx
