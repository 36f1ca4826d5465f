# BUG: dAdZ = Φ(Z) only: the Z φ(Z) term of the product rule is left out
import numpy as np


class GELU:
    def forward(self, Z):
        self.Z = Z
        self.Phi = 0.5 * (1 + np.vectorize(__import__('math').erf)(Z / np.sqrt(2)))
        self.A = Z * self.Phi
        return self.A

    def backward(self, dLdA):
        return dLdA * self.Phi
