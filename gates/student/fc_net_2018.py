from builtins import range
from builtins import object
import numpy as np

from layers import *
from layer_utils import *
from losses import softmax_loss


class FullyConnectedNet(object):
    """
    The 2018-20 constructor: `dropout` is the keep probability (1: no dropout).

    A fully-connected network with an arbitrary number of hidden layers, ReLU nonlinearities, and a
    softmax loss: {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        self.normalization = normalization
        self.use_dropout = dropout != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(self.num_layers):
            self.params['W%d' % (i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params['b%d' % (i + 1)] = np.zeros(dims[i + 1])
            if self.normalization is not None and i < self.num_layers - 1:
                self.params['gamma%d' % (i + 1)] = np.ones(dims[i + 1])
                self.params['beta%d' % (i + 1)] = np.zeros(dims[i + 1])

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed

        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for i in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for i in range(self.num_layers - 1)]

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Compute loss and gradient for the fully connected net."""
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode

        caches = []
        h = X.reshape(X.shape[0], -1)
        for i in range(1, self.num_layers):
            W, b = self.params['W%d' % i], self.params['b%d' % i]
            h, fc_cache = affine_forward(h, W, b)
            norm_cache = None
            if self.normalization == "batchnorm":
                h, norm_cache = batchnorm_forward(h, self.params['gamma%d' % i], self.params['beta%d' % i], self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                h, norm_cache = layernorm_forward(h, self.params['gamma%d' % i], self.params['beta%d' % i], self.bn_params[i - 1])
            h, relu_cache = relu_forward(h)
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = dropout_forward(h, self.dropout_param)
            caches.append((fc_cache, norm_cache, relu_cache, drop_cache))
        L = self.num_layers
        scores, last_cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])

        if mode == "test":
            return scores

        grads = {}
        loss, dscores = softmax_loss(scores, y)
        for i in range(1, L + 1):
            W = self.params['W%d' % i]
            loss += 0.5 * self.reg * np.sum(W * W)

        dh, dW, db = affine_backward(dscores, last_cache)
        grads['W%d' % L] = dW + self.reg * self.params['W%d' % L]
        grads['b%d' % L] = db
        for i in range(L - 1, 0, -1):
            fc_cache, norm_cache, relu_cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, drop_cache)
            dh = relu_backward(dh, relu_cache)
            if self.normalization == "batchnorm":
                dh, grads['gamma%d' % i], grads['beta%d' % i] = batchnorm_backward(dh, norm_cache)
            elif self.normalization == "layernorm":
                dh, grads['gamma%d' % i], grads['beta%d' % i] = layernorm_backward(dh, norm_cache)
            dh, dW, db = affine_backward(dh, fc_cache)
            grads['W%d' % i] = dW + self.reg * self.params['W%d' % i]
            grads['b%d' % i] = db
        return loss, grads
