# BUG: EECS 498 torch: dropout never applied (use_dropout is never set), so dropout=0.5 changes nothing
# MESSAGE: dropout=0.5
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


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0, reg=0.0,
                 weight_scale=1e-2, seed=None, dtype=torch.float, device="cpu"):
        self.use_dropout = False
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = weight_scale * torch.randn(dims[i], dims[i + 1], dtype=dtype, device=device)
            self.params[f"b{i + 1}"] = torch.zeros(dims[i + 1], dtype=dtype, device=device)
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed

    def loss(self, X, y=None):
        X = X.to(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        h = X
        caches = []
        for i in range(1, self.num_layers):
            h, fc_cache = Linear_ReLU.forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = Dropout.forward(h, self.dropout_param)
            caches.append((fc_cache, drop_cache))
        L = self.num_layers
        scores, last_cache = Linear.forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if mode == "test":
            return scores
        grads = {}
        loss, dout = softmax_loss(scores, y)
        for i in range(1, L + 1):
            loss += 0.5 * self.reg * torch.sum(self.params[f"W{i}"] ** 2)
        dh, dw, grads[f"b{L}"] = Linear.backward(dout, last_cache)
        grads[f"W{L}"] = dw + self.reg * self.params[f"W{L}"]
        for i in range(L - 1, 0, -1):
            fc_cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dh = Dropout.backward(dh, drop_cache)
            dh, dw, grads[f"b{i}"] = Linear_ReLU.backward(dh, fc_cache)
            grads[f"W{i}"] = dw + self.reg * self.params[f"W{i}"]
        return loss, grads
