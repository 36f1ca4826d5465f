# VARIANT: relu written as x * (x > 0) in forward and (x > 0) * dout in backward (boolean array times float).
import numpy as np


def relu_forward(x):
    out = x * (x > 0)
    return out, x


def relu_backward(dout, cache):
    return (cache > 0) * dout
