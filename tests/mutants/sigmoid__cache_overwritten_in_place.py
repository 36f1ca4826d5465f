# BUG: backward turns the cached output into the local gradient in place (s *= 1 - s): the first call is right, a second backward on the same cache silently returns a different dx.
import numpy as np


def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    return out, out.copy()


def sigmoid_backward(dout, cache):
    s = cache
    s *= 1.0 - s
    return dout * s
