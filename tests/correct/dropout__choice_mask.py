# VARIANT: mask drawn with np.random.choice([0, 1], p=[1 - p, p], size=x.shape), an integer mask scaled in forward and backward.
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    mask = None
    if mode == 'train':
        mask = np.random.choice([0, 1], p=[1 - p, p], size=x.shape)
        out = x * mask / p
    else:
        out = x
    cache = (p, mode, mask)
    return out, cache


def dropout_backward(dout, cache):
    p, mode, mask = cache
    if mode == 'train':
        return dout * mask / p
    return dout
