# BUG: backward pops its cache (fine) but doubles dout in place to compute db (dout *= 2; db = dout.sum(0) / 2): values are right, the caller's upstream gradient is changed.
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, [x, w]


def affine_backward(dout, cache):
    w = cache.pop()
    x = cache.pop()
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    dout *= 2
    db = dout.sum(axis=0) / 2
    return dx, dw, db
