"""UMich EECS 498 A3 as the course ships its sandwich layers: fast conv and pool through torch's own
autograd (nn.Conv2d, nn.MaxPool2d on a detached input that requires grad), the student's spatial
batchnorm between them, relu as a class of its own."""

import torch


class SpatialBatchNorm(object):
    @staticmethod
    def forward(x, gamma, beta, bn_param):
        eps = bn_param.get("eps", 1e-5)
        momentum = bn_param.get("momentum", 0.9)
        C = x.shape[1]
        running_mean = bn_param.get("running_mean", torch.zeros(C, dtype=x.dtype))
        running_var = bn_param.get("running_var", torch.zeros(C, dtype=x.dtype))
        shape = (1, C, 1, 1)
        if bn_param["mode"] == "train":
            mu = x.mean(dim=(0, 2, 3))
            var = ((x - mu.view(shape)) ** 2).mean(dim=(0, 2, 3))
            istd = 1.0 / torch.sqrt(var + eps)
            xn = (x - mu.view(shape)) * istd.view(shape)
            bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
            bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
            return gamma.view(shape) * xn + beta.view(shape), (xn, gamma, istd)
        xn = (x - running_mean.view(shape)) / torch.sqrt(running_var.view(shape) + eps)
        return gamma.view(shape) * xn + beta.view(shape), None

    @staticmethod
    def backward(dout, cache):
        xn, gamma, istd = cache
        m = dout.numel() // dout.shape[1]
        shape = (1, -1, 1, 1)
        dbeta = dout.sum(dim=(0, 2, 3))
        dgamma = (dout * xn).sum(dim=(0, 2, 3))
        g = dout * gamma.view(shape)
        dx = istd.view(shape) / m * (m * g - g.sum(dim=(0, 2, 3), keepdim=True) - xn * (g * xn).sum(dim=(0, 2, 3), keepdim=True))
        return dx, dgamma, dbeta


class FastConv(object):
    @staticmethod
    def forward(x, w, b, conv_param):
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        layer = torch.nn.Conv2d(C, F, (HH, WW), stride=conv_param["stride"], padding=conv_param["pad"])
        layer.weight = torch.nn.Parameter(w)
        layer.bias = torch.nn.Parameter(b)
        tx = x.detach()
        tx.requires_grad = True
        out = layer(tx)
        return out, (x, w, b, conv_param, tx, out, layer)

    @staticmethod
    def backward(dout, cache):
        x, _, _, _, tx, out, layer = cache
        out.backward(dout)
        return tx.grad.detach(), layer.weight.grad.detach(), layer.bias.grad.detach()


class FastMaxPool(object):
    @staticmethod
    def forward(x, pool_param):
        layer = torch.nn.MaxPool2d(kernel_size=(pool_param["pool_height"], pool_param["pool_width"]), stride=pool_param["stride"])
        tx = x.detach()
        tx.requires_grad = True
        out = layer(tx)
        return out, (x, pool_param, tx, out, layer)

    @staticmethod
    def backward(dout, cache):
        _, _, tx, out, _ = cache
        out.backward(dout)
        return tx.grad.detach()


class ReLU(object):
    @staticmethod
    def forward(x):
        return x.clone().clamp_(min=0), x

    @staticmethod
    def backward(dout, cache):
        return dout * (cache > 0).to(dout.dtype)


class Conv_BatchNorm_ReLU_Pool(object):
    @staticmethod
    def forward(x, w, b, gamma, beta, conv_param, bn_param, pool_param):
        a, conv_cache = FastConv.forward(x, w, b, conv_param)
        an, bn_cache = SpatialBatchNorm.forward(a, gamma, beta, bn_param)
        s, relu_cache = ReLU.forward(an)
        out, pool_cache = FastMaxPool.forward(s, pool_param)
        return out, (conv_cache, bn_cache, relu_cache, pool_cache)

    @staticmethod
    def backward(dout, cache):
        conv_cache, bn_cache, relu_cache, pool_cache = cache
        ds = FastMaxPool.backward(dout, pool_cache)
        dan = ReLU.backward(ds, relu_cache)
        da, dgamma, dbeta = SpatialBatchNorm.backward(dan, bn_cache)
        dx, dw, db = FastConv.backward(da, conv_cache)
        return dx, dw, db, dgamma, dbeta


class Conv_BatchNorm_ReLU(object):
    @staticmethod
    def forward(x, w, b, gamma, beta, conv_param, bn_param):
        a, conv_cache = FastConv.forward(x, w, b, conv_param)
        an, bn_cache = SpatialBatchNorm.forward(a, gamma, beta, bn_param)
        out, relu_cache = ReLU.forward(an)
        return out, (conv_cache, bn_cache, relu_cache)

    @staticmethod
    def backward(dout, cache):
        conv_cache, bn_cache, relu_cache = cache
        da, dgamma, dbeta = SpatialBatchNorm.backward(ReLU.backward(dout, relu_cache), bn_cache)
        dx, dw, db = FastConv.backward(da, conv_cache)
        return dx, dw, db, dgamma, dbeta
