# BUG: uses relu-style masks (x > 0, y > 0) instead of comparing x with y; wrong whenever both are positive or both negative.
import numpy as np


class MaxGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = np.maximum(x, y)
        return z

    def backward(self, dz):
        x_wins = self.x >= self.y
        dx = dz * (self.x > 0)
        dy = dz * (self.y > 0)
        return dx, dy
