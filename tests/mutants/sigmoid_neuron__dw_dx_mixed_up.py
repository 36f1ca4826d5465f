# BUG: dw uses w and dx uses x (the two local gradients are exchanged).
import numpy as np


def sigmoid_neuron_forward(w, x):
    dot = np.dot(w[:-1], x) + w[-1]
    f = 1.0 / (1.0 + np.exp(-dot))
    cache = (w, x, dot, f)
    return f, cache


def sigmoid_neuron_backward(dout, cache):
    w, x, dot, f = cache
    ddot = (1.0 - f) * f * dout
    dw = np.append(w[:-1], 1.0) * ddot
    dx = x * ddot
    return dw, dx
