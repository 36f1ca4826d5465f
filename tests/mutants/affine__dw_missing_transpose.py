# BUG: dw = dout.T.dot(x) gives the (M, D) transpose of the right answer (shape error unless D == M, wrong values then).
# DIAGNOSIS: transpose
import numpy as np


def affine_forward(x, w, b):
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    out = x_flat.dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_rows = x.reshape(N, -1)
    dx = dout.dot(w.T).reshape(x.shape)
    dw = dout.T.dot(x_rows)
    db = np.sum(dout, axis=0)
    return dx, dw, db
