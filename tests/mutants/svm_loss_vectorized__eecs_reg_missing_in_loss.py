# BUG: EECS 498 torch: the loss leaves out reg * sum(W * W)
"""UMich EECS 498 A2 linear_classifier.py, student style: torch only, reg * sum(W * W)."""

import torch


def svm_loss_naive(W, X, y, reg):
    dW = torch.zeros_like(W)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = W.t().mv(X[i])
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    loss += reg * torch.sum(W * W)
    dW /= num_train
    dW += 2 * reg * W
    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.mm(W)
    rows = torch.arange(num_train, device=X.device)
    correct = scores[rows, y].view(-1, 1)
    margins = (scores - correct + 1).clamp(min=0)
    margins[rows, y] = 0
    loss = margins.sum() / num_train
    binary = (margins > 0).to(X.dtype)
    binary[rows, y] = -binary.sum(dim=1)
    dW = X.t().mm(binary) / num_train + 2 * reg * W
    return loss, dW


def softmax_loss_naive(W, X, y, reg):
    loss = 0.0
    dW = torch.zeros_like(W)
    num_train, num_classes = X.shape[0], W.shape[1]
    for i in range(num_train):
        scores = W.t().mv(X[i])
        scores = scores - scores.max()
        probs = scores.exp() / scores.exp().sum()
        loss += -torch.log(probs[y[i]])
        for j in range(num_classes):
            dW[:, j] += (probs[j] - float(j == y[i])) * X[i]
    loss = loss / num_train + reg * torch.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X @ W
    scores = scores - scores.max(dim=1, keepdim=True).values
    log_probs = scores - scores.exp().sum(dim=1, keepdim=True).log()
    rows = torch.arange(num_train)
    loss = -log_probs[rows, y].mean() + reg * torch.sum(W * W)
    dscores = log_probs.exp()
    dscores[rows, y] -= 1
    dW = X.t() @ dscores / num_train + 2 * reg * W
    return loss, dW

