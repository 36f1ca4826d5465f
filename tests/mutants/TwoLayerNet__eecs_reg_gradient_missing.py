# BUG: EECS 498 torch: reg ΣW² in the loss, but the gradients leave out its 2 reg W
"""A UMich EECS 498 A3 fully_connected_networks.py in torch, with one planted bug."""

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


class TwoLayerNet(object):
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3,
                 reg=0.0, dtype=torch.float32, device="cpu"):
        self.params = {}
        self.reg = reg
        self.params["W1"] = weight_scale * torch.randn(input_dim, hidden_dim, dtype=dtype, device=device)
        self.params["b1"] = torch.zeros(hidden_dim, dtype=dtype, device=device)
        self.params["W2"] = weight_scale * torch.randn(hidden_dim, num_classes, dtype=dtype, device=device)
        self.params["b2"] = torch.zeros(num_classes, dtype=dtype, device=device)

    def loss(self, X, y=None):
        h, cache1 = Linear_ReLU.forward(X, self.params["W1"], self.params["b1"])
        scores, cache2 = Linear.forward(h, self.params["W2"], self.params["b2"])
        if y is None:
            return scores
        grads = {}
        loss, dscores = softmax_loss(scores, y)
        # no factor of 0.5, as the template asks
        loss += self.reg * (torch.sum(self.params["W1"] ** 2) + torch.sum(self.params["W2"] ** 2))
        dh, grads["W2"], grads["b2"] = Linear.backward(dscores, cache2)
        _, grads["W1"], grads["b1"] = Linear_ReLU.backward(dh, cache1)
        return loss, grads
