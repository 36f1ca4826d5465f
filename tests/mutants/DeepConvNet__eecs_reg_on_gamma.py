# BUG: EECS 498 torch: the batchnorm scales gamma are L2-regularized too (loss and gradient alike), which the constructor's docstring rules out
# DIAGNOSIS: forward_wrong reg on gamma
"""A UMich EECS 498 A3 convolutional_networks.py in torch, with one planted bug."""

import torch


def softmax_loss(x, y):
    # as the course's a3_helper.py gives it
    shifted = x - x.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    N = x.shape[0]
    dx = log_probs.exp()
    dx[torch.arange(N), y] -= 1
    return -log_probs[torch.arange(N), y].sum() / N, dx / N


class Linear(object):
    @staticmethod
    def forward(x, w, b):
        out = x.reshape(x.shape[0], -1).mm(w) + b
        cache = (x, w, b)
        return out, cache

    @staticmethod
    def backward(dout, cache):
        x, w, b = cache
        dx = dout.mm(w.t()).reshape(x.shape)
        dw = x.reshape(x.shape[0], -1).t().mm(dout)
        db = dout.sum(dim=0)
        return dx, dw, db


class ReLU(object):
    @staticmethod
    def forward(x):
        out = torch.maximum(x, torch.zeros_like(x))
        cache = x
        return out, cache

    @staticmethod
    def backward(dout, cache):
        x = cache
        dx = dout * (x > 0)
        return dx


class Linear_ReLU(object):
    @staticmethod
    def forward(x, w, b):
        a, fc_cache = Linear.forward(x, w, b)
        out, relu_cache = ReLU.forward(a)
        return out, (fc_cache, relu_cache)

    @staticmethod
    def backward(dout, cache):
        fc_cache, relu_cache = cache
        da = ReLU.backward(dout, relu_cache)
        return Linear.backward(da, fc_cache)


class Dropout(object):
    @staticmethod
    def forward(x, dropout_param):
        p, mode = dropout_param["p"], dropout_param["mode"]
        if "seed" in dropout_param:
            torch.manual_seed(dropout_param["seed"])
        mask = None
        if mode == "train":
            mask = (torch.rand_like(x) > p).to(x.dtype) / (1 - p)
            out = x * mask
        else:
            out = x
        return out, (dropout_param, mask)

    @staticmethod
    def backward(dout, cache):
        dropout_param, mask = cache
        if dropout_param["mode"] == "train":
            return dout * mask
        return dout


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


class Conv_ReLU(object):
    @staticmethod
    def forward(x, w, b, conv_param):
        a, conv_cache = Conv.forward(x, w, b, conv_param)
        out = a.clamp(min=0)
        return out, (conv_cache, a)

    @staticmethod
    def backward(dout, cache):
        conv_cache, a = cache
        return Conv.backward(dout * (a > 0), conv_cache)


class Conv_ReLU_Pool(object):
    @staticmethod
    def forward(x, w, b, conv_param, pool_param):
        a, conv_cache = Conv.forward(x, w, b, conv_param)
        s = a.clamp(min=0)
        out, pool_cache = MaxPool.forward(s, pool_param)
        return out, (conv_cache, a, pool_cache)

    @staticmethod
    def backward(dout, cache):
        conv_cache, a, pool_cache = cache
        ds = MaxPool.backward(dout, pool_cache)
        return Conv.backward(ds * (a > 0), conv_cache)


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
        return da.mm(w.t()).reshape(x.shape), flat.t().mm(da), da.sum(dim=0), dgamma, dbeta


class Conv_BatchNorm_ReLU(object):
    @staticmethod
    def forward(x, w, b, gamma, beta, conv_param, bn_param):
        a, conv_cache = Conv.forward(x, w, b, conv_param)
        an, bn_cache = SpatialBatchNorm.forward(a, gamma, beta, bn_param)
        return an.clamp(min=0), (conv_cache, bn_cache, an)

    @staticmethod
    def backward(dout, cache):
        conv_cache, bn_cache, an = cache
        da, dgamma, dbeta = SpatialBatchNorm.backward(dout * (an > 0), bn_cache)
        dx, dw, db = Conv.backward(da, conv_cache)
        return dx, dw, db, dgamma, dbeta


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
        da, dgamma, dbeta = SpatialBatchNorm.backward(ds * (an > 0), bn_cache)
        dx, dw, db = Conv.backward(da, conv_cache)
        return dx, dw, db, dgamma, dbeta


class DeepConvNet(object):
    def __init__(self, input_dims=(3, 32, 32), num_filters=[8, 8, 8, 8, 8], max_pools=[0, 1, 2, 3, 4],
                 batchnorm=False, num_classes=10, weight_scale=1e-3, reg=0.0, weight_initializer=None,
                 dtype=torch.float, device="cpu"):
        self.params = {}
        self.num_layers = len(num_filters) + 1
        self.max_pools = max_pools
        self.batchnorm = batchnorm
        self.reg = reg
        self.dtype = dtype
        C, H, W = input_dims
        prev = C
        for i, f in enumerate(num_filters):
            self.params[f"W{i + 1}"] = weight_scale * torch.randn(f, prev, 3, 3, dtype=dtype, device=device)
            self.params[f"b{i + 1}"] = torch.zeros(f, dtype=dtype, device=device)
            if batchnorm:
                self.params[f"gamma{i + 1}"] = torch.ones(f, dtype=dtype, device=device)
                self.params[f"beta{i + 1}"] = torch.zeros(f, dtype=dtype, device=device)
            prev = f
        shrink = 2 ** len(max_pools)
        L = self.num_layers
        self.params[f"W{L}"] = weight_scale * torch.randn(prev * (H // shrink) * (W // shrink), num_classes, dtype=dtype, device=device)
        self.params[f"b{L}"] = torch.zeros(num_classes, dtype=dtype, device=device)
        self.bn_params = []
        if self.batchnorm:
            self.bn_params = [{"mode": "train"} for _ in range(len(num_filters))]

    def loss(self, X, y=None):
        X = X.to(self.dtype)
        mode = "test" if y is None else "train"
        for bn_param in self.bn_params:
            bn_param["mode"] = mode
        conv_param = {"stride": 1, "pad": 1}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        L = self.num_layers
        out, caches = X, []
        for i in range(L - 1):
            w, b = self.params[f"W{i + 1}"], self.params[f"b{i + 1}"]
            pool = i in self.max_pools
            if self.batchnorm:
                gamma, beta = self.params[f"gamma{i + 1}"], self.params[f"beta{i + 1}"]
                if pool:
                    out, cache = Conv_BatchNorm_ReLU_Pool.forward(out, w, b, gamma, beta, conv_param, self.bn_params[i], pool_param)
                else:
                    out, cache = Conv_BatchNorm_ReLU.forward(out, w, b, gamma, beta, conv_param, self.bn_params[i])
            elif pool:
                out, cache = Conv_ReLU_Pool.forward(out, w, b, conv_param, pool_param)
            else:
                out, cache = Conv_ReLU.forward(out, w, b, conv_param)
            caches.append(cache)
        scores, last_cache = Linear.forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
        if y is None:
            return scores
        grads = {}
        loss, dout = softmax_loss(scores, y)
        for i in range(1, L + 1):
            loss += self.reg * torch.sum(self.params[f"W{i}"] ** 2)
        if self.batchnorm:
            for i in range(1, L):
                loss += self.reg * torch.sum(self.params[f"gamma{i}"] ** 2)
        dout, grads[f"W{L}"], grads[f"b{L}"] = Linear.backward(dout, last_cache)
        for i in range(L - 1, 0, -1):
            pool = (i - 1) in self.max_pools
            if self.batchnorm:
                layer = Conv_BatchNorm_ReLU_Pool if pool else Conv_BatchNorm_ReLU
                dout, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = layer.backward(dout, caches[i - 1])
            else:
                layer = Conv_ReLU_Pool if pool else Conv_ReLU
                dout, grads[f"W{i}"], grads[f"b{i}"] = layer.backward(dout, caches[i - 1])
        for i in range(1, L + 1):
            grads[f"W{i}"] += 2 * self.reg * self.params[f"W{i}"]
            if self.batchnorm and i < L:
                grads[f"gamma{i}"] += 2 * self.reg * self.params[f"gamma{i}"]
        return loss, grads
