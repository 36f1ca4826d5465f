# BUG: derivative of q^2 taken as q instead of 2q (both dW and dx off by a factor 2).
# DIAGNOSIS: scale factor 1/2
import numpy as np


def l2_wx_forward(W, x):
    q = W.dot(x)
    f = np.sum(q ** 2)
    cache = (W, x, q)
    return f, cache


def l2_wx_backward(dout, cache):
    W, x, q = cache
    dq = q * dout
    dW = np.outer(dq, x)
    dx = W.T.dot(dq)
    return dW, dx
