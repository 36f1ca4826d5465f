# BUG: one module-level Generator seeded at import: every call draws the next mask, so the same seed does not give the same mask.
# MESSAGE: the same input gave a different output
import numpy as np

_RNG = np.random.default_rng(0)


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    mask = None
    if mode == 'train':
        mask = (_RNG.random(x.shape) < p) / p
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
