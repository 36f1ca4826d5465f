# BUG: dy is set to dout, skipping the chain rule through the multiply gate (missing factor z).
import numpy as np


def circuit_forward(x, y, z):
    q = x + y
    f = q * z
    cache = (x, y, z, q)
    return f, cache


def circuit_backward(dout, cache):
    x, y, z, q = cache
    dq = z * dout
    dz = q * dout
    dx = 1.0 * dq
    dy = 1.0 * dout
    return dx, dy, dz
