"""Working stand-ins for deeplearning.ai's helper modules (course-provided, not the student's work),
for a notebook whose folder lacks them: dnn_utils' activations with their caches, and reg_utils',
gc_utils', init_utils' and planar_utils' plain sigmoid and relu, and reg_utils' 3-layer net.

Many public copies of the course commit only the notebook. Its graded functions call these (the
step-by-step notebook's linear_activation_forward calls dnn_utils' relu; the regularization
notebook's backward is checked with reg_utils' forward_propagation), and could otherwise not be
checked at all. They compute what the course's do, in numpy only (they run in the sandbox's child).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(0, x)


# ---- dnn_utils: activations that return (A, cache = Z), and their backward


def sigmoid_with_cache(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _sigmoid(Z), Z


def relu_with_cache(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _relu(Z), Z


def relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    dZ = np.array(dA, copy=True)
    dZ[cache <= 0] = 0
    return dZ


def sigmoid_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    s = _sigmoid(cache)
    return dA * s * (1 - s)


# ---- reg_utils: the 3-layer net LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID


def forward_propagation(X: np.ndarray, parameters: dict[str, np.ndarray]) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = W1 @ X + b1
    a1 = _relu(z1)
    z2 = W2 @ a1 + b2
    a2 = _relu(z2)
    z3 = W3 @ a2 + b3
    a3 = _sigmoid(z3)
    return a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)


def compute_cost(a3: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return float(1.0 / m * np.nansum(logprobs))


def backward_propagation(X: np.ndarray, Y: np.ndarray, cache: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    dz3 = 1.0 / m * (a3 - Y)
    da2 = W3.T @ dz3
    dz2 = da2 * (a2 > 0)
    da1 = W2.T @ dz2
    dz1 = da1 * (a1 > 0)
    return {
        "dz3": dz3, "dW3": dz3 @ a2.T, "db3": np.sum(dz3, axis=1, keepdims=True), "da2": da2,
        "dz2": dz2, "dW2": dz2 @ a1.T, "db2": np.sum(dz2, axis=1, keepdims=True), "da1": da1,
        "dz1": dz1, "dW1": dz1 @ X.T, "db1": np.sum(dz1, axis=1, keepdims=True),
    }  # fmt: skip


_DNN_UTILS: dict[str, Callable[..., Any]] = {
    "sigmoid": sigmoid_with_cache, "relu": relu_with_cache, "relu_backward": relu_backward, "sigmoid_backward": sigmoid_backward,
}  # fmt: skip
_PLAIN: dict[str, Callable[..., Any]] = {"sigmoid": _sigmoid, "relu": _relu}

# a helper module's name (its release suffix dropped: dnn_utils_v2) -> what stands in for its functions
HELPERS: dict[str, dict[str, Callable[..., Any]]] = {
    "dnn_utils": _DNN_UTILS,
    "dnn_app_utils": _DNN_UTILS,
    "reg_utils": {**_PLAIN, "forward_propagation": forward_propagation, "compute_cost": compute_cost,
                  "backward_propagation": backward_propagation},  # fmt: skip
    "gc_utils": _PLAIN,
    "init_utils": _PLAIN,
    "planar_utils": {"sigmoid": _sigmoid},
}
