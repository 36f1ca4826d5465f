"""EECS 498 A3 Linear written only with operators numpy shares (@, .reshape, .sum(0), .T): its
module imports torch, so it is checked on tensors as the course calls it, not left as unknown numpy."""
import torch  # noqa: F401  (the course's file imports it; this code never names it)


class Linear(object):
    @staticmethod
    def forward(x, w, b):
        out = x.reshape(x.shape[0], -1) @ w + b
        return out, (x, w, b)

    @staticmethod
    def backward(dout, cache):
        x, w, b = cache
        dx = (dout @ w.T).reshape(x.shape)
        dw = (x.reshape(x.shape[0], -1).T @ dout).reshape(w.shape)
        db = dout.sum(0)
        return dx, dw, db
