# BUG: EECS 498 torch: the mean's 1/N is taken from torch.ones((N, D)), float32 by default, so dx is rounded to float32 where the course checks in float64
# DIAGNOSIS: precision float32 rounding
"""UMich EECS 498 A3 BatchNorm, student style: the staged backward of the computational graph, its
averaging written as a matrix of 1/N made with torch.ones and no dtype."""

import torch


class BatchNorm(object):
    @staticmethod
    def forward(x, gamma, beta, bn_param):
        mode = bn_param["mode"]
        eps = bn_param.get("eps", 1e-5)
        momentum = bn_param.get("momentum", 0.9)
        N, D = x.shape
        running_mean = bn_param.get("running_mean", torch.zeros(D, dtype=x.dtype, device=x.device))
        running_var = bn_param.get("running_var", torch.zeros(D, dtype=x.dtype, device=x.device))
        if mode == "train":
            mean = x.mean(dim=0)
            centred = x - mean
            var = (centred * centred).mean(dim=0)
            inv_std = 1.0 / torch.sqrt(var + eps)
            x_hat = centred * inv_std
            out = gamma * x_hat + beta
            running_mean = momentum * running_mean + (1 - momentum) * mean
            running_var = momentum * running_var + (1 - momentum) * var
            cache = (mode, x_hat, centred, inv_std, gamma)
        else:
            inv_std = 1.0 / torch.sqrt(running_var + eps)
            x_hat = (x - running_mean) * inv_std
            out = gamma * x_hat + beta
            cache = (mode, x_hat, None, inv_std, gamma)
        bn_param["running_mean"] = running_mean.detach()
        bn_param["running_var"] = running_var.detach()
        return out, cache

    @staticmethod
    def backward(dout, cache):
        mode, x_hat, centred, inv_std, gamma = cache
        dbeta = dout.sum(dim=0)
        dgamma = (dout * x_hat).sum(dim=0)
        dx_hat = dout * gamma
        if mode != "train":
            return dx_hat * inv_std, dgamma, dbeta
        N, D = dout.shape
        average = 1.0 / N * torch.ones((N, D), device=dout.device)  # float32
        dvar = (dx_hat * centred).sum(dim=0) * -0.5 * inv_std ** 3
        dcentred = dx_hat * inv_std + average * 2.0 * centred * dvar
        dx = dcentred - average * dcentred.sum(dim=0)
        return dx, dgamma, dbeta
