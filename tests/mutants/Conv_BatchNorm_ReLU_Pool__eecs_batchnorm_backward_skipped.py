# BUG: EECS 498 torch: Conv_BatchNorm_ReLU_Pool.backward passes the relu's gradient straight to the conv, as if batchnorm were the identity
"""A UMich EECS 498 A3 convolutional_networks.py in torch (the classes this layer uses), with one planted bug."""

import torch


class Conv(object):
    @staticmethod
    def forward(x, w, b, conv_param):
        stride, pad = conv_param["stride"], conv_param["pad"]
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        x_pad = torch.nn.functional.pad(x, (pad, pad, pad, pad))
        H_out = 1 + (H + 2 * pad - HH) // stride
        W_out = 1 + (W + 2 * pad - WW) // stride
        out = torch.zeros((N, F, H_out, W_out), dtype=x.dtype, device=x.device)
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                        out[n, f, i, j] = (window * w[f]).sum() + b[f]
        return out, (x, w, b, conv_param)

    @staticmethod
    def backward(dout, cache):
        x, w, b, conv_param = cache
        stride, pad = conv_param["stride"], conv_param["pad"]
        F, _, HH, WW = w.shape
        N, _, H_out, W_out = dout.shape
        x_pad = torch.nn.functional.pad(x, (pad, pad, pad, pad))
        dx_pad = torch.zeros_like(x_pad)
        dw = torch.zeros_like(w)
        db = dout.sum(dim=(0, 2, 3))
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        hs, ws = i * stride, j * stride
                        dw[f] += x_pad[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                        dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
        dx = dx_pad[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
        return dx, dw, db



class MaxPool(object):
    @staticmethod
    def forward(x, pool_param):
        ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
        N, C, H, W = x.shape
        H_out = 1 + (H - ph) // stride
        W_out = 1 + (W - pw) // stride
        out = x.new_zeros((N, C, H_out, W_out))
        for i in range(H_out):
            for j in range(W_out):
                window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
                out[:, :, i, j] = window.reshape(N, C, -1).max(dim=2).values
        return out, (x, pool_param)

    @staticmethod
    def backward(dout, cache):
        x, pool_param = cache
        ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
        N, C, H_out, W_out = dout.shape
        dx = torch.zeros_like(x)
        for n in range(N):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                        k = window.argmax()
                        dx[n, c, i * stride + k // pw, j * stride + k % pw] += dout[n, c, i, j]
        return dx



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



class SpatialBatchNorm(object):
    @staticmethod
    def forward(x, gamma, beta, bn_param):
        N, C, H, W = x.shape
        flat = x.permute(0, 2, 3, 1).reshape(-1, C)
        out, cache = BatchNorm.forward(flat, gamma, beta, bn_param)
        return out.reshape(N, H, W, C).permute(0, 3, 1, 2), cache

    @staticmethod
    def backward(dout, cache):
        N, C, H, W = dout.shape
        flat = dout.permute(0, 2, 3, 1).reshape(-1, C)
        dx, dgamma, dbeta = BatchNorm.backward(flat, cache)
        return dx.reshape(N, H, W, C).permute(0, 3, 1, 2), dgamma, dbeta



class Conv_BatchNorm_ReLU_Pool(object):
    @staticmethod
    def forward(x, w, b, gamma, beta, conv_param, bn_param, pool_param):
        a, conv_cache = Conv.forward(x, w, b, conv_param)
        an, bn_cache = SpatialBatchNorm.forward(a, gamma, beta, bn_param)
        s = torch.relu(an)
        out, pool_cache = MaxPool.forward(s, pool_param)
        return out, (conv_cache, bn_cache, an, pool_cache)

    @staticmethod
    def backward(dout, cache):
        conv_cache, bn_cache, an, pool_cache = cache
        ds = MaxPool.backward(dout, pool_cache)
        _, dgamma, dbeta = SpatialBatchNorm.backward(ds * (an > 0), bn_cache)
        dx, dw, db = Conv.backward(ds * (an > 0), conv_cache)
        return dx, dw, db, dgamma, dbeta

