# BUG: backward returns (dz*x, dz*y) instead of (dz*y, dz*x); shows whenever x != y.
import numpy as np


class MultiplyGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = x * y
        return z

    def backward(self, dz):
        dx = self.x * dz
        dy = self.y * dz
        return dx, dy
