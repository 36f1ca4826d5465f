# BUG: the composite does its own affine backward and returns dx as (N, D) without reshaping it back to x's shape (N, d1, ..., dk).
import numpy as np


def affine_relu_forward(x, w, b):
    x_row = x.reshape(x.shape[0], -1)
    a = x_row.dot(w) + b
    out = np.maximum(0, a)
    return out, (x, w, a)


def affine_relu_backward(dout, cache):
    x, w, a = cache
    da = dout * (a > 0)
    dx = da.dot(w.T)
    dw = x.reshape(x.shape[0], -1).T.dot(da)
    db = da.sum(axis=0)
    return dx, dw, db
