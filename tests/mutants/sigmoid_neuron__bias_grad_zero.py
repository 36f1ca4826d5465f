# BUG: the bias entry of dw is 0 instead of the local gradient (appends 0 instead of 1 to x).
import numpy as np


def sigmoid_neuron_forward(w, x):
    dot = np.dot(w[:-1], x) + w[-1]
    f = 1.0 / (1.0 + np.exp(-dot))
    cache = (w, x, dot, f)
    return f, cache


def sigmoid_neuron_backward(dout, cache):
    w, x, dot, f = cache
    ddot = (1.0 - f) * f * dout
    dw = np.append(x, 0.0) * ddot
    dx = w[:-1] * ddot
    return dw, dx
