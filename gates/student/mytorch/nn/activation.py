"""CMU 11-785 HW1P1 activations: forward(Z) keeps A, backward(dLdA) -> dLdZ."""

import math

import numpy as np

erf = np.vectorize(math.erf)  # scipy.special.erf without scipy


class Identity:
    def forward(self, Z):
        self.A = Z
        return self.A

    def backward(self, dLdA):
        dAdZ = np.ones(self.A.shape, dtype="f")
        return dLdA * dAdZ


class Sigmoid:
    def forward(self, Z):
        self.A = 1 / (1 + np.exp(-Z))
        return self.A

    def backward(self, dLdA):
        return dLdA * (self.A - self.A * self.A)


class Tanh:
    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * (1 - self.A * self.A)


class ReLU:
    def forward(self, Z):
        self.A = np.maximum(0, Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * np.where(self.A > 0, 1, 0)


class GELU:
    def forward(self, Z):
        self.Z = Z
        self.A = 0.5 * Z * (1 + erf(Z / np.sqrt(2)))
        return self.A

    def backward(self, dLdA):
        dAdZ = 0.5 * (1 + erf(self.Z / np.sqrt(2))) + self.Z / np.sqrt(2 * np.pi) * np.exp(-self.Z * self.Z / 2)
        return dLdA * dAdZ


class Softmax:
    def forward(self, Z):
        e = np.exp(Z - Z.max(axis=1, keepdims=True))
        self.A = e / e.sum(axis=1, keepdims=True)
        return self.A

    def backward(self, dLdA):
        N, C = dLdA.shape
        dLdZ = np.zeros((N, C))
        for i in range(N):
            a = self.A[i]
            J = np.diag(a) - np.outer(a, a)
            dLdZ[i, :] = dLdA[i, :] @ J
        return dLdZ
