# BUG: the mask is taken from dLdA > 0 instead of A > 0
import numpy as np


class ReLU:
    def forward(self, Z):
        self.A = np.maximum(0, Z)
        return self.A

    def backward(self, dLdA):
        return np.where(dLdA > 0, dLdA, 0)
