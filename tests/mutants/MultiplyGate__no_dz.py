# BUG: backward returns the local gradient (y, x) and forgets to multiply by the upstream dz.
import numpy as np


class MultiplyGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = x * y
        return z

    def backward(self, dz):
        dx = self.y
        dy = self.x
        return dx, dy
