# BUG: backward draws a new mask (np.random.rand again, unseeded) instead of using the one forward applied.
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    if mode == 'train':
        out = x * (np.random.rand(*x.shape) < p) / p
    else:
        out = x
    cache = dropout_param
    return out, cache


def dropout_backward(dout, cache):
    dropout_param = cache
    p = dropout_param['p']
    if dropout_param['mode'] == 'train':
        return dout * (np.random.rand(*dout.shape) < p) / p
    return dout
