# BUG: dAdZ computed from Z instead of the stored output A
import numpy as np


class Sigmoid:
    def forward(self, Z):
        self.Z = Z
        self.A = 1 / (1 + np.exp(-Z))
        return self.A

    def backward(self, dLdA):
        return dLdA * self.Z * (1 - self.Z)
