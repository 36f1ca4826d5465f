# BUG: draws the mask from np.random.default_rng() with no seed: a different mask on every call, dropout_param['seed'] unused.
# MESSAGE: the same input gave a different output
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    rng = np.random.default_rng()
    mask = None
    if mode == 'train':
        mask = (rng.random(x.shape) < p) / p
        out = x * mask
    else:
        out = x
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param['mode'] == 'train':
        return dout * mask
    return dout
