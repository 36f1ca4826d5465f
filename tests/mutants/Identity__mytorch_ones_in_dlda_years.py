# BUG: backward(dLdA) returns the ones of dAdZ
import numpy as np


class Identity:
    def forward(self, Z):
        self.A = Z
        return self.A

    def backward(self, dLdA):
        return np.ones(self.A.shape)
