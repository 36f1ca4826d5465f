# BUG: two bugs at once: dx = dout @ w (w for w.T) and db = mean of dout over the batch.
# DIAGNOSIS-MIXED: transpose | scale factor 1/N | only_when
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = dout.mean(axis=0)
    return dx, dw, db
