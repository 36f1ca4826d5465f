# BUG: dW = outer(x, dout), the transpose of the right answer: shape (D, M) when M != D, wrong values when M == D.
# DIAGNOSIS: transpose
import numpy as np


def linear_forward(W, x):
    f = W.dot(x)
    cache = (W, x)
    return f, cache


def linear_backward(dout, cache):
    W, x = cache
    dW = np.outer(x, dout)
    dx = W.T.dot(dout)
    return dW, dx
