# BUG: two bugs in one gradient: dx is not divided by N and has the wrong sign (-N times the right one); neither "sign" nor "factor N" alone is the cause.
# DIAGNOSIS-MIXED: none
import numpy as np


def svm_loss(x, y):
    N = x.shape[0]
    correct = x[np.arange(N), y][:, None]
    margins = np.maximum(0, x - correct + 1.0)
    margins[np.arange(N), y] = 0
    loss = margins.sum() / N
    mask = (margins > 0).astype(float)
    mask[np.arange(N), y] = -mask.sum(axis=1)
    return loss, -mask
