"""CMU 11-785 HW1P1 of the older years: the template's own `self.dLdW = dLdW / self.N`, told as
that year's convention by the activation beside it (backward() -> dAdZ)."""
import numpy as np


class Linear:
    def __init__(self, in_features, out_features, debug=False):
        self.W = np.zeros((out_features, in_features), dtype="f")
        self.b = np.zeros((out_features, 1), dtype="f")

    def forward(self, A):
        self.A = A
        self.N = A.shape[0]
        return np.dot(A, self.W.T) + self.b.T

    def backward(self, dLdZ):
        self.dLdW = np.dot(dLdZ.T, self.A) / self.N
        self.dLdb = np.sum(dLdZ, axis=0, keepdims=True).T / self.N
        return np.dot(dLdZ, self.W)


class Sigmoid:
    def forward(self, Z):
        self.A = 1 / (1 + np.exp(-Z))
        return self.A

    def backward(self):
        return self.A * (1 - self.A)
