"""Gate classes and circuits: one right, the others wrong in different ways."""
import numpy as np


class AddGate(object):
    def forward(self, x, y):
        return x + y

    def backward(self, dz):
        return dz.copy(), dz.copy()


class MultiplyGate(object):
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dz):
        return dz * self.x, dz * self.y  # BUG: swapped


def linear_forward(W, x):
    return W @ x, (W, x)


def linear_backward(dout, cache):
    W, x = cache
    return np.outer(dout, x), W.T @ dout * np.nan  # BUG: NaN in dx


def fanout_forward(x, y):
    print("</pre><script>alert('printed')</script>")
    return x * y + x, (x, y)


def fanout_backward(dout, cache):
    x, y = cache
    dout *= 1.0
    dout[...] = dout * 2  # BUG: writes into dout
    return dout * (y + 1) / 2, dout * x / 2
