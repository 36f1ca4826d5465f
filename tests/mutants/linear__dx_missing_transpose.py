# BUG: dx = W.dot(dout) instead of W.T.dot(dout): shape error when M != D, wrong values when M == D.
# DIAGNOSIS: transpose W for W.T
import numpy as np


def linear_forward(W, x):
    f = W.dot(x)
    cache = (W, x)
    return f, cache


def linear_backward(dout, cache):
    W, x = cache
    dW = np.outer(dout, x)
    dx = W.dot(dout)
    return dW, dx
