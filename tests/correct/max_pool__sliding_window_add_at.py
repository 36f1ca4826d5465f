# VARIANT: max pool with sliding_window_view + argmax and np.add.at scatter, so overlapping windows (stride < pool) accumulate correctly.
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _windows(x, ph, pw, s):
    v = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
    N, C, Ho, Wo = v.shape[:4]
    return v.reshape(N, C, Ho, Wo, ph * pw)


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    out = _windows(x, ph, pw, s).max(axis=-1)
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    win = _windows(x, ph, pw, s)
    N, C, Ho, Wo = win.shape[:4]
    k = win.argmax(axis=-1)
    r, q = np.divmod(k, pw)
    rows = np.arange(Ho)[None, None, :, None] * s + r
    cols = np.arange(Wo)[None, None, None, :] * s + q
    n_idx = np.arange(N)[:, None, None, None]
    c_idx = np.arange(C)[None, :, None, None]
    dx = np.zeros_like(x, dtype=float)
    np.add.at(dx, (np.broadcast_to(n_idx, k.shape), np.broadcast_to(c_idx, k.shape), rows, cols), dout)
    return dx
