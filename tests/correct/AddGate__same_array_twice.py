# VARIANT: AddGate whose backward returns the very same array object for dx and dy (dz, dz): aliased but correct gradients.
import numpy as np


class AddGate:
    def forward(self, x, y):
        return x + y

    def backward(self, dz):
        return dz, dz
