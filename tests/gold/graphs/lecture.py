"""Lecture circuits for the report's computational graphs: two right, two wrong."""
import numpy as np


def circuit_forward(x, y, z):
    q = x + y
    return q * z, (x, y, z, q)


def circuit_backward(df, cache):
    x, y, z, q = cache
    dq = z * df
    return dq.copy(), dq.copy(), q * df


def sigmoid_neuron_forward(w, x):
    f = np.float64(1.0 / (1.0 + np.exp(-(w[:-1].dot(x) + w[-1]))))
    return f, (w, x, f)


def sigmoid_neuron_backward(df, cache):
    w, x, f = cache
    ddot = (1 - f) * f * df
    dw = np.append(x * ddot, ddot)
    return dw, w[:-1] * ddot


def fanout_forward(x, y):
    return x * y + x, (x, y)


def fanout_backward(dout, cache):
    x, y = cache
    return y * dout, x * dout  # BUG: x feeds two branches, but only the multiply branch reaches dx


def l2_wx_forward(W, x):
    q = W.dot(x)
    return np.sum(q ** 2), (W, x, q)


def l2_wx_backward(df, cache):
    W, x, q = cache
    return np.outer(q, x) * df, 2 * W.T.dot(q) * df  # BUG: dW lost the 2 of d(q**2)/dq
