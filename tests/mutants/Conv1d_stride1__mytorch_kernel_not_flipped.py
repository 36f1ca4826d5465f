# BUG: dLdA convolves the padded dLdZ with W itself, not W flipped along the kernel
import numpy as np


class Conv1d_stride1:
    def __init__(self, in_channels, out_channels, kernel_size, weight_init_fn=None, bias_init_fn=None):
        self.out_channels, self.kernel_size = out_channels, kernel_size
        self.W = np.zeros((out_channels, in_channels, kernel_size))
        self.b = np.zeros(out_channels)

    def forward(self, A):
        self.A = A
        out = A.shape[2] - self.kernel_size + 1
        Z = np.zeros((A.shape[0], self.out_channels, out))
        for i in range(out):
            Z[:, :, i] = np.tensordot(A[:, :, i : i + self.kernel_size], self.W, axes=([1, 2], [1, 2])) + self.b
        return Z

    def backward(self, dLdZ):
        out = dLdZ.shape[2]
        self.dLdW = np.zeros(self.W.shape)
        for k in range(self.kernel_size):
            self.dLdW[:, :, k] = np.tensordot(dLdZ, self.A[:, :, k : k + out], axes=([0, 2], [0, 2]))
        self.dLdb = dLdZ.sum(axis=(0, 2))
        padded = np.pad(dLdZ, ((0, 0), (0, 0), (self.kernel_size - 1, self.kernel_size - 1)))
        dLdA = np.zeros(self.A.shape)
        for i in range(self.A.shape[2]):
            dLdA[:, :, i] = np.tensordot(padded[:, :, i : i + self.kernel_size], self.W, axes=([1, 2], [0, 2]))
        return dLdA
