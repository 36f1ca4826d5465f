# VARIANT: relu gradient via (sign(x) + 1) / 2, which gives 1/2 exactly at x == 0 (a valid subgradient in [0, 1]).
import numpy as np


def relu_forward(x):
    out = 0.5 * (x + np.abs(x))
    return out, x


def relu_backward(dout, cache):
    x = cache
    return dout * (np.sign(x) + 1.0) / 2.0
