# BUG: forward computes the product in place into x (z = x; z *= y), so the caller's x is overwritten and the cached x is wrong, giving a wrong dy.
import numpy as np


class MultiplyGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = x
        z *= y
        return z

    def backward(self, dz):
        dx = self.y * dz
        dy = self.x * dz
        return dx, dy
