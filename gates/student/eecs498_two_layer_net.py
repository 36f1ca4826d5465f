"""UMich EECS 498 A2 two_layer_net.py, student style: torch only, reg * (ΣW1² + ΣW2²); the course's
TwoLayerNet wrapper class as the template hands it out."""

import torch


class TwoLayerNet(object):
    def __init__(self, input_size, hidden_size, output_size, dtype=torch.float32, device="cuda", std=1e-4):
        torch.manual_seed(0)
        self.params = {}
        self.params["W1"] = std * torch.randn(input_size, hidden_size, dtype=dtype, device=device)
        self.params["b1"] = torch.zeros(hidden_size, dtype=dtype, device=device)
        self.params["W2"] = std * torch.randn(hidden_size, output_size, dtype=dtype, device=device)
        self.params["b2"] = torch.zeros(output_size, dtype=dtype, device=device)

    def loss(self, X, y=None, reg=0.0):
        return nn_forward_backward(self.params, X, y, reg)


def nn_forward_pass(params, X):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    hidden = X.mm(W1) + b1
    hidden[hidden < 0] = 0
    scores = hidden.mm(W2) + b2
    return scores, hidden


def nn_forward_backward(params, X, y=None, reg=0.0):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    N, D = X.shape
    scores, h1 = nn_forward_pass(params, X)
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
    grads["W1"] = X.t().mm(dh1) + 2 * reg * W1
    grads["b1"] = dh1.sum(dim=0)
    return loss, grads
