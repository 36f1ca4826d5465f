# VARIANT: conv with sliding_window_view + einsum in forward, and dx accumulated by looping over kernel offsets with strided slice +=.
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_forward_naive(x, w, b, conv_param):
    s, p = conv_param['stride'], conv_param['pad']
    F, C, HH, WW = w.shape
    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    win = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::s, ::s]  # N,C,Ho,Wo,HH,WW
    out = np.einsum('nchwij,fcij->nfhw', win, w) + b[None, :, None, None]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param['stride'], conv_param['pad']
    F, C, HH, WW = w.shape
    N, _, H, W = x.shape
    Ho, Wo = dout.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    win = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::s, ::s]
    dw = np.einsum('nchwij,nfhw->fcij', win, dout)
    db = dout.sum(axis=(0, 2, 3))
    dxp = np.zeros_like(xp, dtype=float)
    for i in range(HH):
        for j in range(WW):
            dxp[:, :, i:i + s * Ho:s, j:j + s * Wo:s] += np.einsum('nfhw,fc->nchw', dout, w[:, :, i, j])
    dx = dxp[:, :, p:p + H, p:p + W]
    return dx, dw, db
