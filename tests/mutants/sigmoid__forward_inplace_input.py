# BUG: forward negates the input in place (x *= -1) before exp, modifying the caller's x (outputs and gradients are otherwise right).
import numpy as np


def sigmoid_forward(x):
    x *= -1
    out = 1.0 / (1.0 + np.exp(x))
    cache = (x, out)
    return out, cache


def sigmoid_backward(dout, cache):
    x, out = cache
    dx = dout * out * (1.0 - out)
    return dx
