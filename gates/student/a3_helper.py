"""The softmax loss A3's models call, as the course's a3_helper.py gives it beside the student's files
(a course file: gradgate does not check it), in torch."""

import torch


def softmax_loss(x, y):
    shifted = x - x.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    N = x.shape[0]
    probs = log_probs.exp()
    dx = probs.clone()
    dx[torch.arange(N), y] -= 1
    return -log_probs[torch.arange(N), y].sum() / N, dx / N
