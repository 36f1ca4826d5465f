# BUG: dw and db are taken from the last time step only instead of summed over all T steps.
import numpy as np


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    out = x.reshape(N * T, D).dot(w).reshape(N, T, -1) + b
    return out, (x, w, b)


def temporal_affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T)
    dw = x[:, -1, :].T.dot(dout[:, -1, :])
    db = dout[:, -1, :].sum(axis=0)
    return dx, dw, db
