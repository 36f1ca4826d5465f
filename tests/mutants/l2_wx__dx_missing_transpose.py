# BUG: dx = W.dot(dq) instead of W.T.dot(dq): shape error when M != D, wrong values when M == D.
# DIAGNOSIS: transpose W for W.T
import numpy as np


def l2_wx_forward(W, x):
    q = W.dot(x)
    f = np.sum(q ** 2)
    cache = (W, x, q)
    return f, cache


def l2_wx_backward(dout, cache):
    W, x, q = cache
    dq = 2.0 * q * dout
    dW = np.outer(dq, x)
    dx = W.dot(dq)
    return dW, dx
