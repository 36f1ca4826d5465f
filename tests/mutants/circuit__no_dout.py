# BUG: backward returns local gradients only and never multiplies by the upstream dout (shows when dout != 1).
# DIAGNOSIS: upstream_ignored
import numpy as np


def circuit_forward(x, y, z):
    q = x + y
    f = q * z
    cache = (x, y, z, q)
    return f, cache


def circuit_backward(dout, cache):
    x, y, z, q = cache
    dq = z
    dz = q
    dx = 1.0 * dq
    dy = 1.0 * dq
    return dx, dy, dz
