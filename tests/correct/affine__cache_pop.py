# VARIANT: backward pops what it needs from a list cache, freeing it as PyTorch frees a graph: right for the course's single backward call (an advisory, not a failure).
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, [x, w]


def affine_backward(dout, cache):
    w = cache.pop()
    x = cache.pop()
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = dout.sum(axis=0)
    return dx, dw, db
