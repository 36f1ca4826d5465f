# BUG: backward() returns softmax - Y (the older years' convention) in a year whose activations take dLdA
import numpy as np


class CrossEntropyLoss:
    def forward(self, A, Y):
        self.A, self.Y = A, Y
        self.N = A.shape[0]
        e = np.exp(A)
        self.softmax = e / e.sum(axis=1, keepdims=True)
        return np.sum(-Y * np.log(self.softmax)) / self.N

    def backward(self):
        return self.softmax - self.Y


class ReLU:  # the activations of the years whose backward takes dLdA: every gradient is the true one
    def forward(self, Z):
        self.A = np.maximum(0, Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * (self.A > 0)

