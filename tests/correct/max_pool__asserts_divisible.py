# VARIANT: naive max pool that asserts what the course's docstring lets students assume, (H - pool_height) % stride == 0 and likewise for W (it raises on leftover rows, which gradgate then does not hold against it).
import numpy as np


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    assert (H - ph) % s == 0, 'Invalid height'
    assert (W - pw) % s == 0, 'Invalid width'
    Ho, Wo = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    assert (H - ph) % s == 0 and (W - pw) % s == 0
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    win = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    r, q = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * s + r, j * s + q] += dout[n, c, i, j]
    return dx
