# BUG: dx uses the margin values instead of the 0/1 indicator of positive margins.
import numpy as np


def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N

    num_pos = np.sum(margins, axis=1)
    dx = np.zeros_like(x)
    dx += margins
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx
