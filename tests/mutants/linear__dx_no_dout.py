# BUG: dx is the column sum of W (local gradient only), ignoring the upstream dout.
import numpy as np


def linear_forward(W, x):
    f = W.dot(x)
    cache = (W, x)
    return f, cache


def linear_backward(dout, cache):
    W, x = cache
    dW = np.outer(dout, x)
    dx = np.sum(W, axis=0)
    return dW, dx
