# BUG: backward reshapes to (N, W, C) and transposes, where the forward flattened channel-major
import numpy as np


class Flatten:
    def forward(self, A):
        self.shape = A.shape
        return A.reshape(A.shape[0], -1)

    def backward(self, dLdZ):
        N, C, W = self.shape
        return dLdZ.reshape(N, W, C).transpose(0, 2, 1)
