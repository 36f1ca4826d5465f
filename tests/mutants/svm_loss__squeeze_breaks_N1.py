# BUG: np.squeeze on the correct-class scores turns them into a 0-d array when N == 1, so indexing with [:, np.newaxis] raises (only shows at N = 1).
import numpy as np


def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = np.squeeze(x[np.arange(N), y])
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N

    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx
