"""EECS 498 A3 ReLU with torch.clamp, and a backward that zeroes a clone of dout."""
import torch


class ReLU(object):
    @staticmethod
    def forward(x):
        return torch.clamp(x, min=0), x

    @staticmethod
    def backward(dout, cache):
        dx = dout.clone()
        dx[cache <= 0] = 0
        return dx
