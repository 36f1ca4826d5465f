# BUG: backward() returns 2 (A - Y), the gradient of the summed squared error, not of its mean
import numpy as np


class MSELoss:
    def forward(self, A, Y):
        self.A, self.Y = A, Y
        N, C = A.shape
        return np.sum((A - Y) ** 2) / (N * C)

    def backward(self):
        return 2 * (self.A - self.Y)
