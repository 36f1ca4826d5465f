"""UMich EECS 498 A3's ThreeLayerConvNet over conv and pool layers as the course ships its fast ones
(torch's autograd inside static classes), ReLU as a class of its own."""

import torch


def softmax_loss(x, y):
    # as the course's a3_helper.py gives it
    shifted = x - x.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    N = x.shape[0]
    dx = log_probs.exp()
    dx[torch.arange(N), y] -= 1
    return -log_probs[torch.arange(N), y].sum() / N, dx / N


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


class Linear_ReLU(object):
    @staticmethod
    def forward(x, w, b):
        a, fc_cache = Linear.forward(x, w, b)
        out, relu_cache = ReLU.forward(a)
        return out, (fc_cache, relu_cache)

    @staticmethod
    def backward(dout, cache):
        fc_cache, relu_cache = cache
        return Linear.backward(ReLU.backward(dout, relu_cache), fc_cache)


class ThreeLayerConvNet(object):
    def __init__(self, input_dims=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0, dtype=torch.float, device="cpu"):
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        C, H, W = input_dims
        self.params["W1"] = weight_scale * torch.randn(num_filters, C, filter_size, filter_size, dtype=dtype, device=device)
        self.params["b1"] = torch.zeros(num_filters, dtype=dtype, device=device)
        pooled = num_filters * (H // 2) * (W // 2)
        self.params["W2"] = weight_scale * torch.randn(pooled, hidden_dim, dtype=dtype, device=device)
        self.params["b2"] = torch.zeros(hidden_dim, dtype=dtype, device=device)
        self.params["W3"] = weight_scale * torch.randn(hidden_dim, num_classes, dtype=dtype, device=device)
        self.params["b3"] = torch.zeros(num_classes, dtype=dtype, device=device)

    def loss(self, X, y=None):
        X = X.to(self.dtype)
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]
        conv_param = {"stride": 1, "pad": (W1.shape[2] - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        out1, cache1 = Conv_ReLU_Pool.forward(X, W1, b1, conv_param, pool_param)
        out2, cache2 = Linear_ReLU.forward(out1, W2, b2)
        scores, cache3 = Linear.forward(out2, W3, b3)
        if y is None:
            return scores
        grads = {}
        loss, dscores = softmax_loss(scores, y)
        loss += self.reg * ((W1 * W1).sum() + (W2 * W2).sum() + (W3 * W3).sum())
        dout2, grads["W3"], grads["b3"] = Linear.backward(dscores, cache3)
        dout1, grads["W2"], grads["b2"] = Linear_ReLU.backward(dout2, cache2)
        _, grads["W1"], grads["b1"] = Conv_ReLU_Pool.backward(dout1, cache1)
        for k, W in (("W1", W1), ("W2", W2), ("W3", W3)):
            grads[k] += 2 * self.reg * W
        return loss, grads
