# BUG: forward leaves out the bias, and its output is (W, H) where the course has (H, W) (a public 2024 HW2P1)
import numpy as np



class Conv2d_stride1:
    def __init__(self, in_channels, out_channels, kernel_size, weight_init_fn=None, bias_init_fn=None):
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.W = np.random.normal(0, 1.0, (out_channels, in_channels, kernel_size, kernel_size))
        self.b = np.zeros(out_channels)

    def forward(self, A):
        self.A = A
        K = self.kernel_size
        N, _, H, W = A.shape
        Z = np.zeros((N, self.out_channels, W - K + 1, H - K + 1))
        for i in range(min(H, W) - K + 1):
            for j in range(min(H, W) - K + 1):
                Z[:, :, i, j] = np.tensordot(A[:, :, i : i + K, j : j + K], self.W, axes=([1, 2, 3], [1, 2, 3]))
        return Z

    def backward(self, dLdZ):
        K = self.kernel_size
        _, _, Ho, Wo = dLdZ.shape
        self.dLdW = np.zeros(self.W.shape)
        for p in range(K):
            for q in range(K):
                self.dLdW[:, :, p, q] = np.tensordot(dLdZ, self.A[:, :, p : p + Ho, q : q + Wo], axes=([0, 2, 3], [0, 2, 3]))
        self.dLdb = dLdZ.sum(axis=(0, 2, 3))
        padded = np.pad(dLdZ, ((0, 0), (0, 0), (K - 1, K - 1), (K - 1, K - 1)))
        flipped = self.W[:, :, ::-1, ::-1]
        dLdA = np.zeros(self.A.shape)
        for i in range(self.A.shape[2]):
            for j in range(self.A.shape[3]):
                dLdA[:, :, i, j] = np.tensordot(padded[:, :, i : i + K, j : j + K], flipped, axes=([1, 2, 3], [0, 2, 3]))
        return dLdA


