"""CMU 11-785 HW2P1 pool.py: stride-1 pools, and the strided ones as a stride-1 pool then Downsample2d."""

import numpy as np
from resampling import *


class MaxPool2d_stride1:
    def __init__(self, kernel):
        self.kernel = kernel

    def forward(self, A):
        self.A = A
        k = self.kernel
        N, C, H, W = A.shape
        Z = np.zeros((N, C, H - k + 1, W - k + 1))
        self.where = np.zeros(Z.shape + (2,), dtype=int)
        for i in range(H - k + 1):
            for j in range(W - k + 1):
                window = A[:, :, i : i + k, j : j + k].reshape(N, C, -1)
                best = window.argmax(axis=2)
                Z[:, :, i, j] = window.max(axis=2)
                self.where[:, :, i, j, 0] = i + best // k
                self.where[:, :, i, j, 1] = j + best % k
        return Z

    def backward(self, dLdZ):
        dLdA = np.zeros(self.A.shape)
        N, C, Ho, Wo = dLdZ.shape
        for n in range(N):
            for c in range(C):
                for i in range(Ho):
                    for j in range(Wo):
                        r, s = self.where[n, c, i, j]
                        dLdA[n, c, r, s] += dLdZ[n, c, i, j]
        return dLdA


class MeanPool2d_stride1:
    def __init__(self, kernel):
        self.kernel = kernel

    def forward(self, A):
        self.shape = A.shape
        k = self.kernel
        N, C, H, W = A.shape
        Z = np.zeros((N, C, H - k + 1, W - k + 1))
        for i in range(H - k + 1):
            for j in range(W - k + 1):
                Z[:, :, i, j] = A[:, :, i : i + k, j : j + k].mean(axis=(2, 3))
        return Z

    def backward(self, dLdZ):
        k = self.kernel
        dLdA = np.zeros(self.shape)
        for i in range(dLdZ.shape[2]):
            for j in range(dLdZ.shape[3]):
                dLdA[:, :, i : i + k, j : j + k] += dLdZ[:, :, i : i + 1, j : j + 1] / (k * k)
        return dLdA


class MaxPool2d:
    def __init__(self, kernel, stride):
        self.maxpool2d_stride1 = MaxPool2d_stride1(kernel)
        self.downsample2d = Downsample2d(stride)

    def forward(self, A):
        return self.downsample2d.forward(self.maxpool2d_stride1.forward(A))

    def backward(self, dLdZ):
        return self.maxpool2d_stride1.backward(self.downsample2d.backward(dLdZ))


class MeanPool2d:
    def __init__(self, kernel, stride):
        self.meanpool2d_stride1 = MeanPool2d_stride1(kernel)
        self.downsample2d = Downsample2d(stride)

    def forward(self, A):
        return self.downsample2d.forward(self.meanpool2d_stride1.forward(A))

    def backward(self, dLdZ):
        return self.meanpool2d_stride1.backward(self.downsample2d.backward(dLdZ))
