# BUG: backward uses the tanh derivative (1 - out^2) instead of out*(1-out).
import numpy as np


def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    cache = (x, out)
    return out, cache


def sigmoid_backward(dout, cache):
    x, out = cache
    dx = dout * (1.0 - out ** 2)
    return dx
