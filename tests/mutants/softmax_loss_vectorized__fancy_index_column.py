# BUG: dscores[:, y] -= 1 subtracts 1 from whole columns (every example, every label present in y) instead of dscores[arange(N), y].
import numpy as np


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(num_train), y]).mean() + reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[:, y] -= 1
    dW = X.T.dot(dscores) / num_train + 2 * reg * W
    return loss, dW
