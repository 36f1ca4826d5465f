# VARIANT: max pool vectorised with reshape when windows tile the input exactly (stride == pool size, divisible), otherwise a loop fallback; argmax ties go to the first max.
import numpy as np


def _tiles(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    return ph == pw == s and H % ph == 0 and W % pw == 0


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    if _tiles(x, pool_param):
        xr = x.reshape(N, C, H // ph, ph, W // pw, pw)
        out = xr.max(axis=3).max(axis=4)
        return out, (x, pool_param)
    Ho, Wo = (H - ph) // s + 1, (W - pw) // s + 1
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(N, C, -1).max(axis=2)
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    if _tiles(x, pool_param):
        Ho, Wo = H // ph, W // pw
        # (N, C, Ho, Wo, ph*pw) view of every window
        win = x.reshape(N, C, Ho, ph, Wo, pw).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, Ho, Wo, ph * pw)
        k = np.argmax(win, axis=4)
        onehot = (np.arange(ph * pw) == k[..., None]) * dout[..., None]
        dx = onehot.reshape(N, C, Ho, Wo, ph, pw).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H, W)
        return dx
    _, _, Ho, Wo = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    r, q = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * s + r, j * s + q] += dout[n, c, i, j]
    return dx
