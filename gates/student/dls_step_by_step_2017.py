"""deeplearning.ai course 1 week 4, the 2017 notebook (v5): L_model_backward keys each dA by its
own layer's index, as the notebook's comments and its dnn_app_utils_v2.py do ("Inputs:
grads["dA" + str(l + 2)] ... Outputs: grads["dA" + str(l + 1)]"), so X's gradient is dA1. The rest
of the notebook is the same as later years' (dls_step_by_step.py)."""

from dls_step_by_step import L_model_forward, compute_cost, linear_activation_backward  # noqa: F401

__all__ = ["L_model_backward"]


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 2)], caches[l], "relu")
        grads["dA" + str(l + 1)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
    return grads
