# BUG: backward takes the group means over the channels of a group only (axis 2), forgetting H and W, while forward normalized over (C/G, H, W).
import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get('eps', 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mu = xg.mean(axis=(2, 3, 4), keepdims=True)
    var = xg.var(axis=(2, 3, 4), keepdims=True)
    ivar = 1. / np.sqrt(var + eps)
    xhat = ((xg - mu) * ivar).reshape(N, C, H, W)
    return gamma * xhat + beta, (G, xhat, gamma, ivar)


def spatial_groupnorm_backward(dout, cache):
    G, xhat, gamma, ivar = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3), keepdims=True)
    dxhat = (dout * gamma).reshape(N, G, C // G, H, W)
    xh = xhat.reshape(N, G, C // G, H, W)
    dx = ivar * (dxhat - dxhat.mean(axis=2, keepdims=True) - xh * np.mean(dxhat * xh, axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), dgamma, dbeta
