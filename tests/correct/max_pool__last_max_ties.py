# VARIANT: naive max pool that routes each window's dout to the LAST maximal element (ties go to the last max, not the first).
import numpy as np


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    Ho = (H - ph) // s + 1
    Wo = (W - pw) // s + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            win = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            out[:, :, i, j] = win.max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    _, _, Ho, Wo = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = x[n, c, i * s:i * s + ph, j * s:j * s + pw].ravel()
                    k = win.size - 1 - np.argmax(win[::-1])
                    r, q = divmod(k, pw)
                    dx[n, c, i * s + r, j * s + q] += dout[n, c, i, j]
    return dx
