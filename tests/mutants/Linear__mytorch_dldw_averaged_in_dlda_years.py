# BUG: dLdW and dLdb averaged over the batch in a year whose activations take dLdA (the older template's / N)
# MESSAGE: dW differs
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
        self.dLdW = dLdZ.T @ self.A / self.N
        self.dLdb = dLdZ.T @ self.Ones / self.N
        return dLdZ @ self.W


class ReLU:  # the activations of the years whose backward takes dLdA: every gradient is the true one
    def forward(self, Z):
        self.A = np.maximum(0, Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * (self.A > 0)

