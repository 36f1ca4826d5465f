# BUG: routes dz to the SMALLER input instead of the larger one (wrong everywhere except ties).
import numpy as np


class MaxGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = np.maximum(x, y)
        return z

    def backward(self, dz):
        x_wins = self.x <= self.y
        dx = dz * x_wins
        dy = dz * (~x_wins)
        return dx, dy
