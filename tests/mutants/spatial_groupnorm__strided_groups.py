# BUG: groups taken across the wrong channel axis: x.reshape(N, C // G, G, H, W) normalized over axes (1, 3, 4) puts channels c, c + G, c + 2G... in one group instead of G contiguous blocks; backward matches that forward.
import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get('eps', 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, C // G, G, H, W)
    mu = xg.mean(axis=(1, 3, 4), keepdims=True)
    var = xg.var(axis=(1, 3, 4), keepdims=True)
    ivar = 1. / np.sqrt(var + eps)
    xhat = ((xg - mu) * ivar).reshape(N, C, H, W)
    return gamma * xhat + beta, (G, xhat, gamma, ivar)


def spatial_groupnorm_backward(dout, cache):
    G, xhat, gamma, ivar = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = np.sum(dout * xhat, axis=(0, 2, 3), keepdims=True)
    dxhat = (dout * gamma).reshape(N, C // G, G, H, W)
    xh = xhat.reshape(N, C // G, G, H, W)
    M = (C // G) * H * W
    dx = ivar / M * (M * dxhat - dxhat.sum(axis=(1, 3, 4), keepdims=True)
                     - xh * np.sum(dxhat * xh, axis=(1, 3, 4), keepdims=True))
    return dx.reshape(N, C, H, W), dgamma, dbeta
