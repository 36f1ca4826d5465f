"""CMU 11-785 HW1P1, the older activations: backward() returns dAdZ, from the stored A."""

import numpy as np


class Identity:
    def forward(self, Z):
        self.A = Z
        return self.A

    def backward(self):
        return np.ones(self.A.shape, dtype="f")


class Sigmoid:
    def forward(self, Z):
        self.A = 1 / (1 + np.exp(-Z))
        return self.A

    def backward(self):
        return self.A - self.A * self.A


class Tanh:
    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A

    def backward(self):
        return 1 - self.A * self.A


class ReLU:
    def forward(self, Z):
        self.A = np.maximum(0, Z)
        return self.A

    def backward(self):
        return np.where(self.A > 0, 1, 0)
