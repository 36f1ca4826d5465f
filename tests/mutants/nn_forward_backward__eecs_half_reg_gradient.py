# BUG: EECS 498 torch: the loss adds reg * sum(W * W), the gradients add reg * W instead of 2 * reg * W (seen in a public A2)
"""UMich EECS 498 A2 two_layer_net.py, student style: torch only, reg * (ΣW1² + ΣW2²)."""

import torch


def nn_forward_backward(params, X, y=None, reg=0.0):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    N, D = X.shape
    h1 = (X.mm(W1) + b1).clamp(min=0)
    scores = h1.mm(W2) + b2
    if y is None:
        return scores
    shifted = scores - scores.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    loss = -log_probs[torch.arange(N), y].sum() / N
    loss = loss + reg * (torch.sum(W1 * W1) + torch.sum(W2 * W2))
    grads = {}
    dscores = log_probs.exp()
    dscores[torch.arange(N), y] -= 1
    dscores /= N
    grads["W2"] = h1.t().mm(dscores) + 2 * reg * W2
    grads["b2"] = dscores.sum(dim=0)
    dh1 = dscores.mm(W2.t()) * (h1 > 0)
    grads["W1"] = X.t().mm(dh1) + reg * W1
    grads["b1"] = dh1.sum(dim=0)
    return loss, grads
