# VARIANT: a Generator seeded from the param dict, np.random.default_rng(seed).random(x.shape) < p; the global numpy state is never touched.
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    rng = np.random.default_rng(dropout_param.get('seed'))
    mask = None
    if mode == 'train':
        mask = (rng.random(x.shape) < p) / p
        out = x * mask
    else:
        out = x.copy()
    cache = (mode, mask)
    return out, cache


def dropout_backward(dout, cache):
    mode, mask = cache
    if mode == 'train':
        return dout * mask
    return dout.copy()
