# VARIANT: the course notes' "putting it together" case study (exp_scores, correct_logprobs, dscores), with the row max subtracted.
import numpy as np


def softmax_loss(x, y):
    num_examples = x.shape[0]
    exp_scores = np.exp(x - np.max(x, axis=1, keepdims=True))
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    correct_logprobs = -np.log(probs[range(num_examples), y])
    loss = np.sum(correct_logprobs) / num_examples
    dscores = probs
    dscores[range(num_examples), y] -= 1
    dscores /= num_examples
    return loss, dscores
