# BUG: batchnorm_backward_alt's simplified formula drops the - sum(dxhat) mean term: dx = ivar / N * (N dxhat - xhat sum(dxhat xhat)).
# DIAGNOSIS: missing_term term through mean
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    D = x.shape[1]
    running_mean = bn_param.get('running_mean', np.zeros(D))
    running_var = bn_param.get('running_var', np.zeros(D))
    if mode == 'train':
        mu, var = x.mean(axis=0), x.var(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    ivar = 1. / np.sqrt(var + eps)
    xhat = (x - mu) * ivar
    bn_param['running_mean'], bn_param['running_var'] = running_mean, running_var
    return gamma * xhat + beta, (mode, xhat, gamma, ivar)


def batchnorm_backward_alt(dout, cache):
    mode, xhat, gamma, ivar = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    if mode == 'test':
        return dxhat * ivar, dgamma, dbeta
    dx = ivar / N * (N * dxhat - xhat * np.sum(dxhat * xhat, axis=0))
    return dx, dgamma, dbeta
