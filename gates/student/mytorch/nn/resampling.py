"""CMU 11-785 HW2P1 resampling.py: Upsample / Downsample in 1d and 2d."""

import numpy as np


class Upsample1d:
    def __init__(self, upsampling_factor):
        self.upsampling_factor = upsampling_factor

    def forward(self, A):
        k = self.upsampling_factor
        N, C, W = A.shape
        Z = np.zeros((N, C, k * (W - 1) + 1))
        Z[:, :, ::k] = A
        return Z

    def backward(self, dLdZ):
        return dLdZ[:, :, :: self.upsampling_factor]


class Downsample1d:
    def __init__(self, downsampling_factor):
        self.downsampling_factor = downsampling_factor

    def forward(self, A):
        self.input_width = A.shape[2]
        return A[:, :, :: self.downsampling_factor]

    def backward(self, dLdZ):
        N, C, _ = dLdZ.shape
        dLdA = np.zeros((N, C, self.input_width))
        dLdA[:, :, :: self.downsampling_factor] = dLdZ
        return dLdA


class Upsample2d:
    def __init__(self, upsampling_factor):
        self.upsampling_factor = upsampling_factor

    def forward(self, A):
        k = self.upsampling_factor
        N, C, H, W = A.shape
        Z = np.zeros((N, C, k * (H - 1) + 1, k * (W - 1) + 1))
        Z[:, :, ::k, ::k] = A
        return Z

    def backward(self, dLdZ):
        k = self.upsampling_factor
        return dLdZ[:, :, ::k, ::k]


class Downsample2d:
    def __init__(self, downsampling_factor):
        self.downsampling_factor = downsampling_factor

    def forward(self, A):
        self.input_shape = A.shape
        k = self.downsampling_factor
        return A[:, :, ::k, ::k]

    def backward(self, dLdZ):
        k = self.downsampling_factor
        dLdA = np.zeros(self.input_shape)
        dLdA[:, :, ::k, ::k] = dLdZ
        return dLdA
