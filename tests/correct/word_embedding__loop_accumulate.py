# VARIANT: explicit loops, dW[x[n, t]] += dout[n, t] (repeated words accumulate).
import numpy as np


def word_embedding_forward(x, W):
    N, T = x.shape
    out = np.empty((N, T, W.shape[1]))
    for n in range(N):
        for t in range(T):
            out[n, t, :] = W[x[n, t], :]
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    N, T = x.shape
    for n in range(N):
        for t in range(T):
            dW[x[n, t]] += dout[n, t]
    return dW
