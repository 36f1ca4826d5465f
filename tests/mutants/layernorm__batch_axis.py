# BUG: normalizes over the batch axis (axis=0, copied from batchnorm) instead of each sample's features; backward matches that forward, so only the reference comparison sees it.
# DIAGNOSIS: forward_wrong normalized over the batch axis
import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get('eps', 1e-5)
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    out = gamma * xhat + beta
    return out, (xhat, gamma, 1. / np.sqrt(var + eps))


def layernorm_backward(dout, cache):
    xhat, gamma, ivar = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dx = ivar / N * (N * dxhat - dxhat.sum(axis=0) - xhat * np.sum(dxhat * xhat, axis=0))
    return dx, dgamma, dbeta
