# BUG: the scores are np.squeeze-d first, which drops the batch axis when N == 1 and makes the max over axis=1 raise (only shows at N = 1).
# DIAGNOSIS: only_when N = 1
import numpy as np


def softmax_loss(x, y):
    N = x.shape[0]
    x = np.squeeze(x)
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    loss = -np.sum(log_probs[np.arange(N), y]) / N

    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
