"""UMich EECS 498 A3's DeepConvNet as the template suggests it ('use the fast versions of convolution
and max pooling layers, or the convolutional sandwich layers'): sandwiches over the course's
fast conv and pool (torch's autograd inside), a stack of (layer, cache, keys) walked backwards,
weight_scale='kaiming' supported."""

import torch


def softmax_loss(x, y):
    # as the course's a3_helper.py gives it
    shifted = x - x.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    N = x.shape[0]
    dx = log_probs.exp()
    dx[torch.arange(N), y] -= 1
    return -log_probs[torch.arange(N), y].sum() / N, dx / N


def kaiming_initializer(Din, Dout, K=None, relu=True, device="cpu", dtype=torch.float32):
    gain = 2.0 if relu else 1.0
    if K is None:
        return torch.randn(Din, Dout, dtype=dtype, device=device) * (gain / Din) ** 0.5
    return torch.randn(Dout, Din, K, K, dtype=dtype, device=device) * (gain / (Din * K * K)) ** 0.5


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


class Conv_ReLU(object):
    @staticmethod
    def forward(x, w, b, conv_param):
        a, conv_cache = FastConv.forward(x, w, b, conv_param)
        out, relu_cache = ReLU.forward(a)
        return out, (conv_cache, relu_cache)

    @staticmethod
    def backward(dout, cache):
        conv_cache, relu_cache = cache
        return FastConv.backward(ReLU.backward(dout, relu_cache), conv_cache)


class Conv_ReLU_Pool(object):
    @staticmethod
    def forward(x, w, b, conv_param, pool_param):
        a, conv_cache = FastConv.forward(x, w, b, conv_param)
        s, relu_cache = ReLU.forward(a)
        out, pool_cache = FastMaxPool.forward(s, pool_param)
        return out, (conv_cache, relu_cache, pool_cache)

    @staticmethod
    def backward(dout, cache):
        conv_cache, relu_cache, pool_cache = cache
        ds = FastMaxPool.backward(dout, pool_cache)
        return FastConv.backward(ReLU.backward(ds, relu_cache), conv_cache)


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

        def weight(din, dout, K=None, relu=True):
            if weight_scale == "kaiming":
                return kaiming_initializer(din, dout, K=K, relu=relu, device=device, dtype=dtype)
            shape = (din, dout) if K is None else (dout, din, K, K)
            return weight_scale * torch.randn(shape, dtype=dtype, device=device)

        channels = [C, *num_filters]
        for i in range(len(num_filters)):
            n = i + 1
            self.params[f"W{n}"] = weight(channels[i], channels[i + 1], K=3)
            self.params[f"b{n}"] = torch.zeros(channels[i + 1], dtype=dtype, device=device)
            if batchnorm:
                self.params[f"gamma{n}"] = torch.ones(channels[i + 1], dtype=dtype, device=device)
                self.params[f"beta{n}"] = torch.zeros(channels[i + 1], dtype=dtype, device=device)
        out_h, out_w = int(H / (1 << len(max_pools))), int(W / (1 << len(max_pools)))
        self.params[f"W{self.num_layers}"] = weight(channels[-1] * out_h * out_w, num_classes, relu=False)
        self.params[f"b{self.num_layers}"] = torch.zeros(num_classes, dtype=dtype, device=device)
        self.bn_params = [{"mode": "train"} for _ in num_filters] if batchnorm else []

    def loss(self, X, y=None):
        X = X.to(self.dtype)
        mode = "test" if y is None else "train"
        for bn_param in self.bn_params:
            bn_param["mode"] = mode
        conv_param = {"stride": 1, "pad": (3 - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        stack = []  # (layer class, cache, keys of its parameter gradients), in forward order
        out = X
        for i in range(self.num_layers - 1):
            n = i + 1
            keys = [f"W{n}", f"b{n}"] + ([f"gamma{n}", f"beta{n}"] if self.batchnorm else [])
            args = [self.params[k] for k in keys] + [conv_param]
            if self.batchnorm:
                args.append(self.bn_params[i])
            if i in self.max_pools:
                layer = Conv_BatchNorm_ReLU_Pool if self.batchnorm else Conv_ReLU_Pool
                args.append(pool_param)
            else:
                layer = Conv_BatchNorm_ReLU if self.batchnorm else Conv_ReLU
            out, cache = layer.forward(out, *args)
            stack.append((layer, cache, keys))
        L = self.num_layers
        scores, cache = Linear.forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
        stack.append((Linear, cache, [f"W{L}", f"b{L}"]))
        if y is None:
            return scores
        loss, dout = softmax_loss(scores, y)
        weights = [k for k in self.params if k.startswith("W")]
        loss += self.reg * sum((self.params[k] ** 2).sum() for k in weights)
        grads = {}
        for layer, cache, keys in reversed(stack):
            dout, *dparams = layer.backward(dout, cache)
            grads.update(zip(keys, dparams))
        for k in weights:
            grads[k] = grads[k] + 2 * self.reg * self.params[k]
        return loss, grads
