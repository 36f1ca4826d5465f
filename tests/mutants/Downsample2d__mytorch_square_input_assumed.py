# BUG: forward stores the input width only and backward makes a square (W, W) gradient (a public 2024 HW2P1)
import numpy as np


class Downsample2d:
    def __init__(self, downsampling_factor):
        self.k = downsampling_factor

    def forward(self, A):
        self.Win = A.shape[-1]
        return A[:, :, :: self.k, :: self.k]

    def backward(self, dLdZ):
        dLdA = np.zeros((dLdZ.shape[0], dLdZ.shape[1], self.Win, self.Win))
        dLdA[:, :, :: self.k, :: self.k] = dLdZ
        return dLdA
