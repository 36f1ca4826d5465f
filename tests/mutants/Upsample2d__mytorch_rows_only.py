# BUG: upsamples the rows only; the columns keep their width
import numpy as np


class Upsample2d:
    def __init__(self, upsampling_factor):
        self.k = upsampling_factor

    def forward(self, A):
        N, C, H, W = A.shape
        Z = np.zeros((N, C, self.k * (H - 1) + 1, W))
        Z[:, :, :: self.k, :] = A
        return Z

    def backward(self, dLdZ):
        return dLdZ[:, :, :: self.k, :]
