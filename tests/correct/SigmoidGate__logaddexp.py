# VARIANT: SigmoidGate computed as exp(-logaddexp(0, -x)) (overflow-free), backward as s * (1 - s) * dz.
import numpy as np


class SigmoidGate:
    def forward(self, x):
        self.s = np.exp(-np.logaddexp(0.0, -x))
        return self.s

    def backward(self, dz):
        return dz * self.s * (1.0 - self.s)
