# BUG: dx = -dout * out * (1 - out): the derivative of sigmoid(-x), not of sigmoid(x).
# DIAGNOSIS: sign factor -1
import numpy as np


def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    return out, out


def sigmoid_backward(dout, cache):
    out = cache
    return -dout * out * (1.0 - out)
