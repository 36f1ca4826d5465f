# BUG: train mode is a correct binomial inverted dropout, but test mode multiplies by p as non-inverted dropout would.
# MESSAGE: test mode scales by p
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    mask = None
    if mode == 'train':
        mask = np.random.binomial(1, p, x.shape) / p
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
