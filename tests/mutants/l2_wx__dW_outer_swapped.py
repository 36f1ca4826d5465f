# BUG: dW = outer(x, dq), the transpose of the right answer: shape (D, M) when M != D, wrong values when M == D.
import numpy as np


def l2_wx_forward(W, x):
    q = W.dot(x)
    f = np.sum(q ** 2)
    cache = (W, x, q)
    return f, cache


def l2_wx_backward(dout, cache):
    W, x, q = cache
    dq = 2.0 * q * dout
    dW = np.outer(x, dq)
    dx = W.T.dot(dq)
    return dW, dx
