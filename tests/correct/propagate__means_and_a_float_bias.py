# VARIANT: dw and db as means over the examples, the cost with np.mean, b used as a Python float.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def propagate(w, b, X, Y):
    A = sigmoid(w.T @ X + float(b))
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = np.mean(X * (A - Y), axis=1, keepdims=True)
    db = np.mean(A - Y)
    return {"dw": dw, "db": db}, cost
