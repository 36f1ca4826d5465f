# BUG: forgets to multiply by the upstream dout (shows when dout != 1).
import numpy as np


def l2_wx_forward(W, x):
    q = W.dot(x)
    f = np.sum(q ** 2)
    cache = (W, x, q)
    return f, cache


def l2_wx_backward(dout, cache):
    W, x, q = cache
    dq = 2.0 * q
    dW = np.outer(dq, x)
    dx = W.T.dot(dq)
    return dW, dx
