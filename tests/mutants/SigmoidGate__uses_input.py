# BUG: backward uses the input x instead of the output s in s*(1-s).
import numpy as np


class SigmoidGate:
    def forward(self, x):
        self.x = x
        self.s = 1.0 / (1.0 + np.exp(-x))
        return self.s

    def backward(self, dz):
        dx = self.x * (1.0 - self.x) * dz
        return dx
