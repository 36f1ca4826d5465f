# BUG: returns (dx, dw, db, dbeta, dgamma): the batchnorm gradients in the wrong order.
import numpy as np


def affine_bn_relu_forward(x, w, b, gamma, beta, bn_param):
    eps, momentum = bn_param.get('eps', 1e-5), bn_param.get('momentum', 0.9)
    a = x.dot(w) + b
    M = a.shape[1]
    rm, rv = bn_param.get('running_mean', np.zeros(M)), bn_param.get('running_var', np.zeros(M))
    mode = bn_param['mode']
    if mode == 'train':
        mu, var = a.mean(axis=0), a.var(axis=0)
        bn_param['running_mean'] = momentum * rm + (1 - momentum) * mu
        bn_param['running_var'] = momentum * rv + (1 - momentum) * var
    else:
        mu, var = rm, rv
    ivar = 1. / np.sqrt(var + eps)
    ahat = (a - mu) * ivar
    s = gamma * ahat + beta
    return np.maximum(0, s), (x, w, ahat, gamma, ivar, s, mode)


def affine_bn_relu_backward(dout, cache):
    x, w, ahat, gamma, ivar, s, mode = cache
    ds = dout * (s > 0)
    dgamma = np.sum(ds * ahat, axis=0)
    dbeta = ds.sum(axis=0)
    dahat = ds * gamma
    N = ds.shape[0]
    if mode == 'train':
        da = ivar / N * (N * dahat - dahat.sum(axis=0) - ahat * np.sum(dahat * ahat, axis=0))
    else:
        da = dahat * ivar
    return da.dot(w.T), x.T.dot(da), da.sum(axis=0), dbeta, dgamma
