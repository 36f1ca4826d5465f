# BUG: dw multiplies X by the activations A where the error A - Y belongs.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def propagate(w, b, X, Y):
    m = X.shape[1]

    # FORWARD PROPAGATION (FROM X TO COST)
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))

    # BACKWARD PROPAGATION (TO FIND GRAD)
    dw = 1 / m * np.dot(X, A.T)
    db = 1 / m * np.sum(A - Y)

    assert dw.shape == w.shape
    assert db.dtype == float
    cost = np.squeeze(np.array(cost))
    assert cost.shape == ()

    grads = {"dw": dw, "db": db}
    return grads, cost


# ---- week 3: planar data classification with one hidden layer
