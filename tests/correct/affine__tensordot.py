# VARIANT: affine layer without explicit flattening: np.tensordot over all trailing axes of x with w reshaped to x.shape[1:] + (M,).
import numpy as np


def affine_forward(x, w, b):
    k = x.ndim - 1
    w_t = w.reshape(x.shape[1:] + (w.shape[1],))
    out = np.tensordot(x, w_t, axes=k) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    k = x.ndim - 1
    w_t = w.reshape(x.shape[1:] + (w.shape[1],))
    dx = np.tensordot(dout, w_t, axes=([1], [k]))
    dw = np.tensordot(x, dout, axes=([0], [0])).reshape(w.shape)
    db = dout.sum(0)
    return dx, dw, db
