# BUG: forgets to multiply by the upstream dout (shows when dout != 1).
import numpy as np


def sigmoid_neuron_forward(w, x):
    dot = np.dot(w[:-1], x) + w[-1]
    f = 1.0 / (1.0 + np.exp(-dot))
    cache = (w, x, dot, f)
    return f, cache


def sigmoid_neuron_backward(dout, cache):
    w, x, dot, f = cache
    ddot = (1.0 - f) * f
    dw = np.append(x, 1.0) * ddot
    dx = w[:-1] * ddot
    return dw, dx
