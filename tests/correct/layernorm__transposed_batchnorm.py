# VARIANT: layernorm as the course hints: batchnorm's train-mode code run on x.T (features as the batch), gamma and beta applied outside.
import numpy as np


def _bn_train_forward(x, eps):
    mu = x.mean(axis=0)
    xmu = x - mu
    var = (xmu ** 2).mean(axis=0)
    ivar = 1. / np.sqrt(var + eps)
    return xmu * ivar, (xmu, ivar, var, eps)


def _bn_train_backward(dxhat, cache):
    xmu, ivar, var, eps = cache
    N = dxhat.shape[0]
    divar = np.sum(dxhat * xmu, axis=0)
    dvar = -0.5 * (var + eps) ** -1.5 * divar
    dxmu = dxhat * ivar + 2 * xmu * dvar / N
    return dxmu - dxmu.mean(axis=0)


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get('eps', 1e-5)
    xhat_t, bn_cache = _bn_train_forward(x.T, eps)
    xhat = xhat_t.T
    return gamma * xhat + beta, (xhat, gamma, bn_cache)


def layernorm_backward(dout, cache):
    xhat, gamma, bn_cache = cache
    dgamma = np.sum(dout * xhat, axis=0)
    dbeta = dout.sum(axis=0)
    dx = _bn_train_backward((dout * gamma).T, bn_cache).T
    return dx, dgamma, dbeta
