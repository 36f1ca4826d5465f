# BUG: dprev_h = da.dot(Wh) instead of da.dot(Wh.T) (same shape since Wh is square, wrong values).
# DIAGNOSIS: transpose Wh for Wh.T
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da.dot(Wx.T), da.dot(Wh), x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)
