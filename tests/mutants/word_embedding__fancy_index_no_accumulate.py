# BUG: dW[x] += dout with fancy indexing: a word that appears several times gets only one of its gradients (use np.add.at).
# DIAGNOSIS: lost_accumulation word index repeats
import numpy as np


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    dW[x] += dout
    return dW
