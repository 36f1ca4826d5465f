# BUG: the loop assigns dW[x[n, t]] = dout[n, t] instead of adding, so repeated words keep only their last gradient.
# DIAGNOSIS: lost_accumulation word index repeats
import numpy as np


def word_embedding_forward(x, W):
    N, T = x.shape
    out = np.zeros((N, T, W.shape[1]))
    for n in range(N):
        for t in range(T):
            out[n, t] = W[x[n, t]]
    return out, (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    N, T = x.shape
    for n in range(N):
        for t in range(T):
            dW[x[n, t]] = dout[n, t]
    return dW
