# BUG: forward flattens x by assigning x.shape, which reshapes the caller's array in place (and dx then comes back flat); only shows for rank > 2 x.
# MESSAGE: forward changed its argument x in place (its shape
import numpy as np


def affine_forward(x, w, b):
    N = x.shape[0]
    x.shape = (N, -1)
    x_flat = x
    out = x_flat.dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_rows = x.reshape(N, -1)
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x_rows.T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
