# BUG: dw is divided by the batch size as if the loss were averaged here (only shows when N > 1).
# DIAGNOSIS: scale factor 1/N
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
    dw = x_rows.T.dot(dout) / N
    db = np.sum(dout, axis=0)
    return dx, dw, db
