# VARIANT: svm loss with explicit double loops over samples and classes (cs231n svm_loss_naive style, strict margin > 0).
import numpy as np


def svm_loss(x, y):
    N, C = x.shape
    loss = 0.0
    dx = np.zeros_like(x, dtype=float)
    for i in range(N):
        correct = x[i, y[i]]
        for j in range(C):
            if j == y[i]:
                continue
            margin = x[i, j] - correct + 1
            if margin > 0:
                loss += margin
                dx[i, j] += 1
                dx[i, y[i]] -= 1
    loss /= N
    dx /= N
    return loss, dx
