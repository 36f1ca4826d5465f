# BUG: uses the add-gate rule and passes dz unchanged to both inputs.
import numpy as np


class MultiplyGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = x * y
        return z

    def backward(self, dz):
        dx = 1.0 * dz
        dy = 1.0 * dz
        return dx, dy
