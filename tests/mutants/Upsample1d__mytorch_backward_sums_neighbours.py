# BUG: backward sums each block of k entries of dLdZ instead of taking every k-th
import numpy as np


class Upsample1d:
    def __init__(self, upsampling_factor):
        self.k = upsampling_factor

    def forward(self, A):
        N, C, W = A.shape
        Z = np.zeros((N, C, self.k * (W - 1) + 1))
        Z[:, :, :: self.k] = A
        return Z

    def backward(self, dLdZ):
        N, C, W = dLdZ.shape
        padded = np.pad(dLdZ, ((0, 0), (0, 0), (0, self.k - 1)))
        return padded.reshape(N, C, -1, self.k).sum(axis=3)
