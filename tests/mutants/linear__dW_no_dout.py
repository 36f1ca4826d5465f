# BUG: dW is the local gradient (x copied into every row) without the upstream dout.
# DIAGNOSIS: upstream_ignored
import numpy as np


def linear_forward(W, x):
    f = W.dot(x)
    cache = (W, x)
    return f, cache


def linear_backward(dout, cache):
    W, x = cache
    dW = np.tile(x, (W.shape[0], 1))
    dx = W.T.dot(dout)
    return dW, dx
