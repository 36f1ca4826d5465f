# BUG: the cost's second term multiplies log(1 - A2) by Y where 1 - Y belongs (the 2017 notebook's compute_cost(A2, Y, parameters)).
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def compute_cost(A2, Y, parameters):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), Y)
    cost = -np.sum(logprobs) / m
    cost = float(np.squeeze(cost))
    return cost
