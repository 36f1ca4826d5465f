"""CrossEntropyLoss through log-sum-exp, Y one-hot; backward() is the mean's gradient."""
import numpy as np


class CrossEntropyLoss:
    def forward(self, A, Y):
        self.Y = Y
        shifted = A - A.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.softmax = np.exp(log_softmax)
        return -np.sum(Y * log_softmax) / A.shape[0]

    def backward(self):
        return (self.softmax - self.Y) / self.Y.shape[0]
