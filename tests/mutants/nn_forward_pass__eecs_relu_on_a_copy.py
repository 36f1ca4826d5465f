# BUG: EECS 498 torch: nn_forward_pass's hidden layer is the affine output before the ReLU (the relu written to a copy)
"""A UMich EECS 498 A2 two_layer_net.py in torch, with one planted bug."""

import torch


def nn_forward_pass(params, X):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    hidden = X.mm(W1) + b1
    relu = hidden.clone()
    relu[relu < 0] = 0
    scores = hidden.mm(W2) + b2
    return scores, relu
