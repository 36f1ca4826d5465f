# BUG: backward spreads dLdZ over the whole window, not to its maximum
import numpy as np


class MaxPool2d_stride1:
    def __init__(self, kernel):
        self.k = kernel

    def forward(self, A):
        self.shape = A.shape
        k = self.k
        N, C, H, W = A.shape
        Z = np.zeros((N, C, H - k + 1, W - k + 1))
        for i in range(H - k + 1):
            for j in range(W - k + 1):
                Z[:, :, i, j] = A[:, :, i : i + k, j : j + k].max(axis=(2, 3))
        return Z

    def backward(self, dLdZ):
        k = self.k
        dLdA = np.zeros(self.shape)
        for i in range(dLdZ.shape[2]):
            for j in range(dLdZ.shape[3]):
                dLdA[:, :, i : i + k, j : j + k] += dLdZ[:, :, i : i + 1, j : j + 1]
        return dLdA
