"""Student-style layers with bugs, for the HTML report's gold files and browser tests."""
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = dout[0]  # BUG: the first row instead of the sum over the batch
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return (cache > 0).astype(float)  # BUG: drops dout


def sigmoid_forward(x):
    print("<b>printed by the student</b> & <i>friends</i> ünïcødé ✓")
    raise ValueError('<script>alert(1)</script>')


def sigmoid_backward(dout, cache):
    return dout


def leaky_forward(x):  # no leaky_backward next to it: listed as unchecked
    return x, x
