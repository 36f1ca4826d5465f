# BUG: backward returns the local gradient s*(1-s) without multiplying by dz.
import numpy as np


class SigmoidGate:
    def forward(self, x):
        self.x = x
        self.s = 1.0 / (1.0 + np.exp(-x))
        return self.s

    def backward(self, dz):
        dx = self.s * (1.0 - self.s)
        return dx
