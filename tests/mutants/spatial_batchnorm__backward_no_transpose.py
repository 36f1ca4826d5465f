# BUG: forward transposes to (N, H, W, C) before flattening but backward flattens dout without the transpose, so dx lands on the wrong channels.
import numpy as np


def _batchnorm_forward(x, gamma, beta, bn_param):
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


def _batchnorm_backward(dout, cache):
    mode, xhat, gamma, ivar = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    if mode == 'test':
        return dxhat * ivar, dgamma, dbeta
    dx = ivar / N * (N * dxhat - dxhat.sum(axis=0) - xhat * np.sum(dxhat * xhat, axis=0))
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out, cache = _batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = _batchnorm_backward(dout.reshape(-1, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta
