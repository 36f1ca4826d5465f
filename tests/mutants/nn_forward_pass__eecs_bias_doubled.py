# BUG: EECS 498 torch: nn_forward_pass adds b2 twice
"""A UMich EECS 498 A2 two_layer_net.py in torch, with one planted bug."""

import torch


def nn_forward_pass(params, X):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    hidden = (X.mm(W1) + b1).clamp(min=0)
    scores = hidden.mm(W2) + b1.sum() * 0 + b2 * 2
    return scores, hidden
