# BUG: multiply-gate gradients swapped: dq = q*dout and dz = z*dout.
import numpy as np


def circuit_forward(x, y, z):
    q = x + y
    f = q * z
    cache = (x, y, z, q)
    return f, cache


def circuit_backward(dout, cache):
    x, y, z, q = cache
    dq = q * dout
    dz = z * dout
    dx = 1.0 * dq
    dy = 1.0 * dq
    return dx, dy, dz
