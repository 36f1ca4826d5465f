# VARIANT: the 0/1 mask cached as float64, scaled by 1/p separately in forward (multiplying by 1.0 / p) and backward (dividing by p).
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    mask = None
    if mode == 'train':
        mask = (np.random.rand(*x.shape) < p).astype(np.float64)
        out = x * mask * (1.0 / p)
    else:
        out = x
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param['mode'] == 'train':
        return dout * mask / dropout_param['p']
    return dout
