# BUG: the active-margin test is margins >= 0 on the already clamped margins, which is always true, so every class (and the correct one) is counted as active (wrong whenever some margin is negative).
import numpy as np


def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N

    num_pos = np.sum(margins >= 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins >= 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx
