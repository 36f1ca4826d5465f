# BUG: backward uses the tanh derivative (1 - s^2) instead of s*(1-s).
import numpy as np


class SigmoidGate:
    def forward(self, x):
        self.x = x
        self.s = 1.0 / (1.0 + np.exp(-x))
        return self.s

    def backward(self, dz):
        dx = (1.0 - self.s ** 2) * dz
        return dx
