# VARIANT: inverted dropout that caches the boolean keep-mask and applies the 1/p scale separately in forward and backward.
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    keep = None
    if mode == 'train':
        keep = np.random.rand(*x.shape) < p
        out = np.where(keep, x / p, 0.0)
    else:
        out = x.copy()
    return out, (mode, p, keep)


def dropout_backward(dout, cache):
    mode, p, keep = cache
    if mode == 'train':
        return np.where(keep, dout / p, 0.0)
    return dout.copy()
