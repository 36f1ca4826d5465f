# BUG: backward returns only the local gradient (ones) and forgets to multiply by the upstream dz.
# DIAGNOSIS: upstream_ignored
import numpy as np


class AddGate:
    def forward(self, x, y):
        self.x = x
        self.y = y
        z = x + y
        return z

    def backward(self, dz):
        dx = np.ones_like(self.x)
        dy = np.ones_like(self.y)
        return dx, dy
