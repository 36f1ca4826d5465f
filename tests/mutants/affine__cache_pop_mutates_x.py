# BUG: backward pops its cache (fine) but centres the cached x in place (x -= x.mean()), so dw is wrong and the forward's input, the caller's array, is changed by backward.
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, [x, w]


def affine_backward(dout, cache):
    w = cache.pop()
    x = cache.pop()
    dx = dout.dot(w.T).reshape(x.shape)
    x -= x.mean()
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = dout.sum(axis=0)
    return dx, dw, db
