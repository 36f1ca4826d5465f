# BUG: non-inverted dropout: kept units are not scaled by 1/p in train mode (and test mode multiplies by p instead).
# MESSAGE: kept units are not scaled by 1/
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    mask = None
    if mode == 'train':
        mask = np.random.rand(*x.shape) < p
        out = x * mask
    else:
        out = x * p
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param['mode'] == 'train':
        return dout * mask
    return dout
