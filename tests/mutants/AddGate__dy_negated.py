# BUG: dy is -dz as if the gate were a subtraction x - y.
# DIAGNOSIS: sign factor -1
import numpy as np


class AddGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = x + y
        return z

    def backward(self, dz):
        dx = np.ones_like(self.x) * dz
        dy = -np.ones_like(self.y) * dz
        return dx, dy
