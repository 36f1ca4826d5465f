"""Conv1d_stride1 as the HW2P1 template sets it up: self.dLdW = np.zeros(...) in the constructor, and
a backward that adds into it, entry by entry (right for the course's one backward per forward)."""
import numpy as np


class Conv1d_stride1:
    def __init__(self, in_channels, out_channels, kernel_size, weight_init_fn=None, bias_init_fn=None):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.W = np.random.normal(0, 1.0, (out_channels, in_channels, kernel_size))
        self.b = np.zeros(out_channels)
        self.dLdW = np.zeros(self.W.shape)
        self.dLdb = np.zeros(self.b.shape)

    def forward(self, A):
        self.A = A
        N, _, W = A.shape
        out = W - self.kernel_size + 1
        Z = np.zeros((N, self.out_channels, out))
        for n in range(N):
            for c in range(self.out_channels):
                for w in range(out):
                    Z[n, c, w] = np.sum(A[n, :, w : w + self.kernel_size] * self.W[c]) + self.b[c]
        return Z

    def backward(self, dLdZ):
        N, _, out = dLdZ.shape
        for o in range(self.out_channels):
            for i in range(self.in_channels):
                for k in range(self.kernel_size):
                    self.dLdW[o, i, k] += np.sum(self.A[:, i, k : k + out] * dLdZ[:, o, :])
        self.dLdb += dLdZ.sum(axis=(0, 2))
        dLdA = np.zeros(self.A.shape)
        for w in range(out):
            for k in range(self.kernel_size):
                dLdA[:, :, w + k] += np.einsum("no,oi->ni", dLdZ[:, :, w], self.W[:, :, k])
        return dLdA
