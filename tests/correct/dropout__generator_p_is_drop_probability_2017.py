# VARIANT: the 2016-17 convention (p = drop probability), a Generator seeded from the param dict dropping units where random() < p.
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    rng = np.random.default_rng(dropout_param['seed'])
    mask = None
    if mode == 'train':
        mask = np.where(rng.random(x.shape) < p, 0.0, 1.0 / (1 - p))
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
