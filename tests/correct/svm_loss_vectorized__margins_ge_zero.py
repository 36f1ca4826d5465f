# VARIANT: counts a margin of exactly 0 as a violation (margins >= 0 mask, a valid subgradient at the hinge); 0.5 reg convention.
import numpy as np


def svm_loss_vectorized(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    margins = scores - scores[np.arange(N), y][:, None] + 1
    margins[np.arange(N), y] = -1  # never a violation
    loss = np.maximum(0, margins).sum() / N + 0.5 * reg * np.sum(W * W)
    active = (margins >= 0).astype(float)
    active[np.arange(N), y] = -active.sum(axis=1)
    return loss, X.T @ active / N + reg * W
