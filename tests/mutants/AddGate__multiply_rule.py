# BUG: uses the multiply-gate rule (dz*y, dz*x) instead of passing dz through to both inputs.
import numpy as np


class AddGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = x + y
        return z

    def backward(self, dz):
        dx = self.y * dz
        dy = self.x * dz
        return dx, dy
