import numpy as np

from layers import affine_forward, affine_backward, relu_forward, relu_backward
from losses import softmax_loss


class TwoLayerNet(object):
    """
    A two-layer fully-connected neural network with ReLU nonlinearity and
    softmax loss: affine - relu - affine - softmax.
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        self.params = {}
        self.reg = reg
        self.params['W1'] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params['b1'] = np.zeros(hidden_dim)
        self.params['W2'] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params['b2'] = np.zeros(num_classes)

    def loss(self, X, y=None):
        """
        Compute loss and gradient for a minibatch of data.

        X: (N, d_1, ..., d_k), y: (N,) or None
        If y is None, returns scores (N, C); else returns (loss, grads).
        """
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']

        h1, cache1 = affine_forward(X, W1, b1)
        a1, cache_relu = relu_forward(h1)
        scores, cache2 = affine_forward(a1, W2, b2)

        if y is None:
            return scores

        loss, grads = 0, {}
        data_loss, dscores = softmax_loss(scores, y)
        reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        loss = data_loss + reg_loss

        da1, dW2, db2 = affine_backward(dscores, cache2)
        dh1 = relu_backward(da1, cache_relu)
        dX, dW1, db1 = affine_backward(dh1, cache1)

        grads['W1'] = dW1 + self.reg * W1
        grads['b1'] = db1
        grads['W2'] = dW2 + self.reg * W2
        grads['b2'] = db2

        return loss, grads
