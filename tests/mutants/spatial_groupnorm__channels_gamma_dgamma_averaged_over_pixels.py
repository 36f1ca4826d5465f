# BUG: gamma of shape (C,) (the later course convention); dgamma averages over H and W instead of summing.
import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """
    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (C,)
    - beta: Shift parameter, of shape (C,)
    - G: Integer number of groups to split into, should be a divisor of C
    - gn_param: Dictionary with the key eps

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    x_group = x.reshape(N, G, C // G, H, W)
    mean = x_group.mean(axis=(2, 3, 4), keepdims=True)
    var = x_group.var(axis=(2, 3, 4), keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = ((x_group - mean) / std).reshape(N, C, H, W)
    out = gamma[None, :, None, None] * x_hat + beta[None, :, None, None]
    cache = (x_hat, gamma, std, G)
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """
    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (C,)
    - dbeta: Gradient with respect to shift parameter, of shape (C,)
    """
    x_hat, gamma, std, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * x_hat).sum(axis=0).mean(axis=(1, 2))

    dx_hat = (dout * gamma[None, :, None, None]).reshape(N, G, -1)
    x_hat_group = x_hat.reshape(N, G, -1)
    dx = dx_hat - dx_hat.mean(axis=2, keepdims=True) - x_hat_group * (dx_hat * x_hat_group).mean(axis=2, keepdims=True)
    dx = dx / std.reshape(N, G, 1)
    return dx.reshape(N, C, H, W), dgamma, dbeta
