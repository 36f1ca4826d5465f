import numpy as np


class AddGate(object):
    """Gradient distributor: z = x + y."""

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x + y

    def backward(self, dz):
        dx = dz.copy()
        dy = dz.copy()
        return dx, dy


class MultiplyGate(object):
    """Gradient switcher: z = x * y."""

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dz):
        dx = dz * self.y
        dy = dz * self.x
        return dx, dy


class MaxGate(object):
    """Gradient router: z = max(x, y). Ties go to x."""

    def forward(self, x, y):
        self.x = x
        self.y = y
        return np.maximum(x, y)

    def backward(self, dz):
        mask = self.x >= self.y
        dx = dz * mask
        dy = dz * (~mask)
        return dx, dy


class SigmoidGate(object):
    """z = 1 / (1 + exp(-x))."""

    def forward(self, x):
        self.s = 1.0 / (1.0 + np.exp(-x))
        return self.s

    def backward(self, dz):
        s = self.s
        dx = dz * s * (1 - s)
        return dx


def circuit_forward(x, y, z):
    """f = (x + y) * z"""
    q = x + y
    f = q * z
    cache = (x, y, z, q)
    return f, cache


def circuit_backward(df, cache):
    x, y, z, q = cache
    # f = q * z
    dz = q * df
    dq = z * df
    # q = x + y
    dx = 1.0 * dq
    dy = 1.0 * dq
    return dx, dy, dz


def sigmoid_neuron_forward(w, x):
    """f = sigmoid(w[:-1].dot(x) + w[-1])"""
    dot = w[:-1].dot(x) + w[-1]
    f = np.float64(1.0 / (1.0 + np.exp(-dot)))
    cache = (w, x, f)
    return f, cache


def sigmoid_neuron_backward(df, cache):
    w, x, f = cache
    ddot = (1 - f) * f * df
    dx = w[:-1] * ddot
    dw = np.zeros_like(w)
    dw[:-1] = x * ddot
    dw[-1] = 1.0 * ddot
    return dw, dx


def fanout_forward(x, y):
    """q = x * y; f = q + x"""
    q = x * y
    f = q + x
    cache = (x, y, q)
    return f, cache


def fanout_backward(df, cache):
    x, y, q = cache
    # f = q + x
    dq = 1.0 * df
    dx = 1.0 * df
    # q = x * y
    dx += y * dq  # gradients add at the branch
    dy = x * dq
    return dx, dy


def l2_wx_forward(W, x):
    """q = W.dot(x); f = sum(q ** 2)"""
    q = W.dot(x)
    f = np.sum(q ** 2)
    cache = (W, x, q)
    return f, cache


def l2_wx_backward(df, cache):
    W, x, q = cache
    dW = 2 * np.outer(q, x) * df
    dx = 2 * W.T.dot(q) * df
    return dW, dx


def linear_forward(W, x):
    """f = W.dot(x)"""
    f = W.dot(x)
    cache = (W, x)
    return f, cache


def linear_backward(df, cache):
    W, x = cache
    dW = np.outer(df, x)
    dx = W.T.dot(df)
    return dW, dx
