# VARIANT: relu via np.maximum; backward sends the tie at x == 0 to the positive side (x >= 0), a valid subgradient.
import numpy as np


def relu_forward(x):
    out = np.maximum(x, 0.0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = dout * (x >= 0)
    return dx
