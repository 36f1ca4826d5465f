# BUG: EECS 498 torch: Linear_BatchNorm_ReLU.backward returns dbeta where dgamma goes and dgamma where dbeta goes
"""A UMich EECS 498 A3 convolutional_networks.py in torch (the classes this layer uses), with one planted bug."""

import torch


class BatchNorm(object):
    @staticmethod
    def forward(x, gamma, beta, bn_param):
        mode = bn_param["mode"]
        eps = bn_param.get("eps", 1e-5)
        momentum = bn_param.get("momentum", 0.9)
        D = x.shape[1]
        running_mean = bn_param.get("running_mean", torch.zeros(D, dtype=x.dtype, device=x.device))
        running_var = bn_param.get("running_var", torch.zeros(D, dtype=x.dtype, device=x.device))
        cache = None
        if mode == "train":
            mean = x.mean(dim=0)
            var = x.var(dim=0, unbiased=False)
            x_hat = (x - mean) / torch.sqrt(var + eps)
            out = gamma * x_hat + beta
            cache = (x_hat, gamma, torch.sqrt(var + eps))
            running_mean = momentum * running_mean + (1 - momentum) * mean
            running_var = momentum * running_var + (1 - momentum) * var
        else:
            out = gamma * (x - running_mean) / torch.sqrt(running_var + eps) + beta
        bn_param["running_mean"] = running_mean.detach()
        bn_param["running_var"] = running_var.detach()
        return out, cache

    @staticmethod
    def backward(dout, cache):
        x_hat, gamma, std = cache
        N = dout.shape[0]
        dbeta = dout.sum(dim=0)
        dgamma = (dout * x_hat).sum(dim=0)
        dx_hat = dout * gamma
        dx = (N * dx_hat - dx_hat.sum(dim=0) - x_hat * (dx_hat * x_hat).sum(dim=0)) / (N * std)
        return dx, dgamma, dbeta



class Linear_BatchNorm_ReLU(object):
    @staticmethod
    def forward(x, w, b, gamma, beta, bn_param):
        a = x.reshape(x.shape[0], -1).mm(w) + b
        a_bn, bn_cache = BatchNorm.forward(a, gamma, beta, bn_param)
        out = torch.relu(a_bn)
        return out, (x, w, bn_cache, a_bn)

    @staticmethod
    def backward(dout, cache):
        x, w, bn_cache, a_bn = cache
        da, dgamma, dbeta = BatchNorm.backward(dout * (a_bn > 0), bn_cache)
        flat = x.reshape(x.shape[0], -1)
        return da.mm(w.t()).reshape(x.shape), flat.t().mm(da), da.sum(dim=0), dbeta, dgamma

