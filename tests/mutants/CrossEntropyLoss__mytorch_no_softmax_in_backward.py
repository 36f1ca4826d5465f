# BUG: backward() returns (A - Y) / N: the logits where the softmax belongs
import numpy as np


class CrossEntropyLoss:
    def forward(self, A, Y):
        self.A, self.Y = A, Y
        self.N = A.shape[0]
        e = np.exp(A)
        self.softmax = e / e.sum(axis=1, keepdims=True)
        return np.sum(-Y * np.log(self.softmax)) / self.N

    def backward(self):
        return (self.A - self.Y) / self.N
