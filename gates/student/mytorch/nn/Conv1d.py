"""CMU 11-785 HW2P1 Conv1d.py: imports its siblings by name, as the course's runner puts mytorch/nn on sys.path."""

import numpy as np
from resampling import *


class Conv1d_stride1:
    def __init__(self, in_channels, out_channels, kernel_size, weight_init_fn=None, bias_init_fn=None):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.W = np.random.normal(0, 1.0, (out_channels, in_channels, kernel_size)) if weight_init_fn is None else weight_init_fn(out_channels, in_channels, kernel_size)
        self.b = np.zeros(out_channels) if bias_init_fn is None else bias_init_fn(out_channels)
        self.dLdW = np.zeros(self.W.shape)
        self.dLdb = np.zeros(self.b.shape)

    def forward(self, A):
        self.A = A
        out = A.shape[2] - self.kernel_size + 1
        Z = np.zeros((A.shape[0], self.out_channels, out))
        for i in range(out):
            Z[:, :, i] = np.tensordot(A[:, :, i : i + self.kernel_size], self.W, axes=([1, 2], [1, 2])) + self.b
        return Z

    def backward(self, dLdZ):
        out = dLdZ.shape[2]
        for k in range(self.kernel_size):
            self.dLdW[:, :, k] = np.tensordot(dLdZ, self.A[:, :, k : k + out], axes=([0, 2], [0, 2]))
        self.dLdb = np.sum(dLdZ, axis=(0, 2))
        padded = np.pad(dLdZ, ((0, 0), (0, 0), (self.kernel_size - 1, self.kernel_size - 1)))
        flipped = np.flip(self.W, axis=2)
        dLdA = np.zeros(self.A.shape)
        for i in range(self.A.shape[2]):
            dLdA[:, :, i] = np.tensordot(padded[:, :, i : i + self.kernel_size], flipped, axes=([1, 2], [0, 2]))
        return dLdA


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding=0, weight_init_fn=None, bias_init_fn=None):
        self.stride = stride
        self.pad = padding
        self.conv1d_stride1 = Conv1d_stride1(in_channels, out_channels, kernel_size, weight_init_fn, bias_init_fn)
        self.downsample1d = Downsample1d(stride)

    def forward(self, A):
        A = np.pad(A, ((0, 0), (0, 0), (self.pad, self.pad)))
        return self.downsample1d.forward(self.conv1d_stride1.forward(A))

    def backward(self, dLdZ):
        dLdA = self.conv1d_stride1.backward(self.downsample1d.backward(dLdZ))
        return dLdA[:, :, self.pad : dLdA.shape[2] - self.pad]
