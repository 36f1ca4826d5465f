# VARIANT: one weight slice per gate (Wx[:, k*H:(k+1)*H]) and plain 1/(1+exp(-a)) sigmoids; gradients assembled with np.concatenate.
import numpy as np


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    pre = [x @ Wx[:, k * H:(k + 1) * H] + prev_h @ Wh[:, k * H:(k + 1) * H] + b[k * H:(k + 1) * H] for k in range(4)]
    i, f, o = (1 / (1 + np.exp(-p)) for p in pre[:3])
    g = np.tanh(pre[3])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    t = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - t * t)
    grads = [dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * t * o * (1 - o), dc * i * (1 - g * g)]
    da = np.concatenate(grads, axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
