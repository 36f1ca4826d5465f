# VARIANT: MultiplyGate that caches defensive copies of its inputs in a tuple and uses np.multiply in backward.
import numpy as np


class MultiplyGate:
    def forward(self, x, y):
        self.cache = (np.array(x, copy=True), np.array(y, copy=True))
        return np.multiply(x, y)

    def backward(self, dz):
        x, y = self.cache
        return np.multiply(dz, y), np.multiply(dz, x)
