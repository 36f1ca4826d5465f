# BUG: dLdW = Aᵀ dLdZ, the transpose of W's gradient
import numpy as np


class Linear:
    def __init__(self, in_features, out_features, debug=False):
        self.W = np.zeros((out_features, in_features))
        self.b = np.zeros((out_features, 1))

    def forward(self, A):
        self.A = A
        self.N = A.shape[0]
        self.Ones = np.ones((self.N, 1))
        return A @ self.W.T + self.Ones @ self.b.T

    def backward(self, dLdZ):
        self.dLdW = self.A.T @ dLdZ
        self.dLdb = dLdZ.T @ self.Ones
        return dLdZ @ self.W
