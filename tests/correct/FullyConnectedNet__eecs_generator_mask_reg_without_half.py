"""UMich EECS 498 A3's FullyConnectedNet in torch written its own way: the layers inline, the
dropout mask drawn from a torch.Generator seeded from dropout_param (fresh on every forward, so
the model stays gradient-checkable), reg ΣW² without the 0.5 (TwoLayerNet's convention)."""

import torch


def softmax_loss(x, y):
    # as the course's a3_helper.py gives it
    shifted = x - x.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    N = x.shape[0]
    dx = log_probs.exp()
    dx[torch.arange(N), y] -= 1
    return -log_probs[torch.arange(N), y].sum() / N, dx / N


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0, reg=0.0,
                 weight_scale=1e-2, seed=None, dtype=torch.float, device="cpu"):
        self.use_dropout = dropout != 0
        self.reg = reg
        self.dtype = dtype
        self.num_layers = len(hidden_dims) + 1
        sizes = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params["W%d" % i] = torch.randn(d_in, d_out, dtype=dtype, device=device) * weight_scale
            self.params["b%d" % i] = torch.zeros(d_out, dtype=dtype, device=device)
        self.dropout_param = {"mode": "train", "p": dropout} if self.use_dropout else {}
        if self.use_dropout and seed is not None:
            self.dropout_param["seed"] = seed

    def loss(self, X, y=None):
        X = X.to(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        gen = None
        if self.use_dropout and "seed" in self.dropout_param:
            gen = torch.Generator(device=X.device).manual_seed(self.dropout_param["seed"])
        p = self.dropout_param.get("p", 0)
        inputs, pre, masks = [], [], []
        h = X.reshape(X.shape[0], -1)
        for i in range(1, self.num_layers):
            inputs.append(h)
            z = h @ self.params["W%d" % i] + self.params["b%d" % i]
            pre.append(z)
            h = torch.where(z > 0, z, torch.zeros_like(z))
            if self.use_dropout and mode == "train":
                keep = torch.rand(h.shape, generator=gen, dtype=h.dtype, device=h.device) >= p
                masks.append(keep.to(h.dtype) / (1 - p))
                h = h * masks[-1]
        inputs.append(h)
        L = self.num_layers
        scores = h @ self.params["W%d" % L] + self.params["b%d" % L]
        if mode == "test":
            return scores
        loss, dh = softmax_loss(scores, y)
        grads = {}
        for i in range(L, 0, -1):
            W = self.params["W%d" % i]
            loss = loss + self.reg * (W * W).sum()
            if i < L:
                if masks:
                    dh = dh * masks[i - 1]
                dh = dh * (pre[i - 1] > 0)
            grads["W%d" % i] = inputs[i - 1].T @ dh + 2 * self.reg * W
            grads["b%d" % i] = dh.sum(dim=0)
            dh = dh @ W.T
        return loss, grads
