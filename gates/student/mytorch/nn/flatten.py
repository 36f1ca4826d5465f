"""CMU 11-785 HW2P1 flatten.py."""


class Flatten:
    def forward(self, A):
        self.shape = A.shape
        return A.reshape(A.shape[0], -1)

    def backward(self, dLdZ):
        return dLdZ.reshape(self.shape)
