"""EECS 498 A3 Linear with .view and x.mm(w) / @ (instead of .reshape)."""
import torch


class Linear(object):
    @staticmethod
    def forward(x, w, b):
        return x.view(x.shape[0], -1) @ w + b, (x, w, b)

    @staticmethod
    def backward(dout, cache):
        x, w, b = cache
        dx = (dout @ w.T).view(x.shape)
        dw = x.view(x.shape[0], -1).T.mm(dout)
        db = torch.sum(dout, dim=0)
        return dx, dw, db
