# BUG: forward computes 1/(1+exp(x)) (sign error), so both the output and the gradient are wrong.
import numpy as np


class SigmoidGate:
    def forward(self, x):
        self.x = x
        self.s = 1.0 / (1.0 + np.exp(x))
        return self.s

    def backward(self, dz):
        dx = self.s * (1.0 - self.s) * dz
        return dx
