# BUG: the pool backward writes dx[window argmax] = dout instead of adding, so overlapping windows (stride < pool size) that share a maximum lose all but one gradient.
# DIAGNOSIS: lost_accumulation windows overlap
import numpy as np


def _conv_forward(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def _conv_backward(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            dw += np.tensordot(dout[:, :, i, j], win, axes=([0], [0]))
            dxp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    a, conv_cache = _conv_forward(x, w, b, conv_param)
    r = np.maximum(0, a)
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, F, H, W = r.shape
    Ho, Wo = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = r[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(N, F, -1).max(axis=2)
    return out, (conv_cache, a, r, pool_param)


def conv_relu_pool_backward(dout, cache):
    conv_cache, a, r, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, F, Ho, Wo = dout.shape
    dr = np.zeros_like(r)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    win = r[n, f, i * s:i * s + ph, j * s:j * s + pw]
                    p, q = np.unravel_index(np.argmax(win), win.shape)
                    dr[n, f, i * s + p, j * s + q] = dout[n, f, i, j]
    return _conv_backward(dr * (a > 0), conv_cache)
