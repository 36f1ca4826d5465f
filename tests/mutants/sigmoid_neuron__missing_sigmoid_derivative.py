# BUG: skips the sigmoid local gradient f*(1-f) and backprops dout straight into the dot product.
import numpy as np


def sigmoid_neuron_forward(w, x):
    dot = np.dot(w[:-1], x) + w[-1]
    f = 1.0 / (1.0 + np.exp(-dot))
    cache = (w, x, dot, f)
    return f, cache


def sigmoid_neuron_backward(dout, cache):
    w, x, dot, f = cache
    ddot = dout
    dw = np.append(x, 1.0) * ddot
    dx = w[:-1] * ddot
    return dw, dx
