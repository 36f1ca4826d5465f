# BUG: dgamma and dbeta are returned with shape (C,) although gamma and beta are (1, C, 1, 1) (sum without keepdims).
import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get('eps', 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, -1)
    mu = xg.mean(axis=2, keepdims=True)
    var = xg.var(axis=2, keepdims=True)
    ivar = 1. / np.sqrt(var + eps)
    xhat = ((xg - mu) * ivar).reshape(N, C, H, W)
    return gamma * xhat + beta, (G, xhat, gamma, ivar)


def spatial_groupnorm_backward(dout, cache):
    G, xhat, gamma, ivar = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3))
    dxhat = (dout * gamma).reshape(N, G, -1)
    xh = xhat.reshape(N, G, -1)
    M = xh.shape[2]
    dx = ivar / M * (M * dxhat - dxhat.sum(axis=2, keepdims=True) - xh * np.sum(dxhat * xh, axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), dgamma, dbeta
