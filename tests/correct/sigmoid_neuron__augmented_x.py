# VARIANT: sigmoid neuron that appends a constant 1 to x and dots it with the full w (bias trick), slicing the bias off for dx.
import numpy as np


def sigmoid_neuron_forward(w, x):
    x_aug = np.concatenate([x, [1.0]])
    f = 1.0 / (1.0 + np.exp(-w.dot(x_aug)))
    return f, (w, x_aug, f)


def sigmoid_neuron_backward(dout, cache):
    w, x_aug, f = cache
    ddot = dout * f * (1.0 - f)
    dw = ddot * x_aug
    dx = ddot * w[:-1]
    return dw, dx
