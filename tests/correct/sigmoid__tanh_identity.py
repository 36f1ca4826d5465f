# VARIANT: sigmoid via the identity sigmoid(x) = (1 + tanh(x/2)) / 2, backward via d/dx = (1 - tanh(x/2)^2) / 4.
import numpy as np


def sigmoid_forward(x):
    t = np.tanh(0.5 * x)
    return 0.5 * (1.0 + t), t


def sigmoid_backward(dout, cache):
    t = cache
    return dout * 0.25 * (1.0 - t * t)
