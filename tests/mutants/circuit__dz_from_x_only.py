# BUG: dz is computed as x*dout, forgetting that the multiply gate saw q = x + y.
import numpy as np


def circuit_forward(x, y, z):
    q = x + y
    f = q * z
    cache = (x, y, z, q)
    return f, cache


def circuit_backward(dout, cache):
    x, y, z, q = cache
    dq = z * dout
    dz = x * dout
    dx = 1.0 * dq
    dy = 1.0 * dq
    return dx, dy, dz
