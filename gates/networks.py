"""CS231n assignment 2 networks built from the student's layers: FullyConnectedNet (fc_net.py) and
ThreeLayerConvNet (cnn.py) (student code: gates/student/fc_net.py, cnn.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from .spec import Array, Convention, GateSpec, Labels, Sizes

EPS = 1e-5


def _norm(h: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, dim: int) -> torch.Tensor:
    mean, var = h.mean(dim, keepdim=True), h.var(dim, unbiased=False, keepdim=True)
    return (h - mean) / torch.sqrt(var + EPS) * gamma + beta


def _dropout_mask(shape: tuple[int, ...], p: float, seed: int) -> torch.Tensor:
    # The course's dropout_forward with the model's seed: np.random.seed(seed) on every call.
    state = np.random.get_state()
    np.random.seed(seed)
    mask = (np.random.rand(*shape) < p) / p
    np.random.set_state(state)
    return torch.as_tensor(mask)


def _fc_net(W1, b1, W2, b2, W3, b3, gamma1, beta1, gamma2, beta2, X, y, **c: Any) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax, 0.5 reg ||W||^2."""
    weights = [(W, b) for W, b in ((W1, b1), (W2, b2), (W3, b3)) if W is not None]
    norms = [(g, be) for g, be in ((gamma1, beta1), (gamma2, beta2)) if g is not None]
    h = X.reshape(X.shape[0], -1)
    for i, (W, b) in enumerate(weights[:-1]):
        h = h @ W + b
        if c["normalization"] is not None:
            h = _norm(h, *norms[i], dim=0 if c["normalization"] == "batchnorm" else 1)
        h = torch.relu(h)
        if c["dropout_keep_ratio"] != 1:
            h = h * _dropout_mask(tuple(h.shape), c["dropout_keep_ratio"], c["seed"])
    scores = h @ weights[-1][0] + weights[-1][1]
    return F.cross_entropy(scores, y) + 0.5 * c["reg"] * sum(torch.sum(W * W) for W, _ in weights)


def _fc_sizes(s: Sizes) -> dict[str, Any]:
    deep = s["depth"] == 2
    normed = s["normalization"] is not None
    return {"deep": deep, "normed": normed, "deep_normed": deep and normed, "O2": s["H2"] if deep else s["C"]}


def _three_layer_convnet(W1, b1, W2, b2, W3, b3, X, y, **c: Any) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """conv (stride 1, size-preserving pad) - relu - 2x2 max pool - affine - relu - affine - softmax."""
    conv = F.conv2d(X, W1, b1, stride=1, padding=(c["filter_size"] - 1) // 2)
    pooled = F.max_pool2d(torch.relu(conv), 2, stride=2)
    hidden = torch.relu(pooled.reshape(X.shape[0], -1) @ W2 + b2)
    scores = hidden @ W3 + b3
    return F.cross_entropy(scores, y) + 0.5 * c["reg"] * (torch.sum(W1 * W1) + torch.sum(W2 * W2) + torch.sum(W3 * W3))


_REG = st.sampled_from([0.1, 0.5, 1.3])

# Hidden units exactly at 0 (relu), pooling ties and dropped units are kinks inside the network, out
# of reach of the input domains: where an example lands on one, the engine finds it.
NETWORKS = (
    GateSpec(
        name="FullyConnectedNet",
        convention=Convention.MODEL,
        inputs={
            "W1": Array(("D", "H1")),
            "b1": Array(("H1",)),
            "W2": Array(("H1", "O2")),
            "b2": Array(("O2",)),
            "W3": Array(("H2", "C"), when="deep"),
            "b3": Array(("C",), when="deep"),
            "gamma1": Array(("H1",), when="normed"),
            # Off the grid: normalized pairs are +-(1 - eps/2var), and a grid beta = -gamma would put
            # the relu's input a hair from 0, where finite differences straddle the kink.
            "beta1": Array(("H1",), when="normed", grid=False),
            "gamma2": Array(("H2",), when="deep_normed"),
            "beta2": Array(("H2",), when="deep_normed", grid=False),
            "X": Array(("N", "D"), differentiable=False),
            "y": Labels(("N",), classes="C"),
        },
        sizes={
            "N": st.integers(1, 4),
            "D": st.integers(1, 3),
            "H1": st.integers(1, 3),
            "H2": st.integers(1, 3),
            "C": st.integers(2, 3),
            "depth": st.integers(1, 2),  # hidden layers
            "normalization": st.sampled_from([None, "batchnorm", "layernorm"]),
            "keep": st.sampled_from([1, 0.5]),
            "seed": st.integers(0, 2**16),
            "reg": _REG,
        },
        derive=_fc_sizes,
        construct=lambda s: {
            "hidden_dims": [s["H1"], s["H2"]][: s["depth"]],
            "input_dim": s["D"],
            "num_classes": s["C"],
            "dropout_keep_ratio": s["keep"],
            "normalization": s["normalization"],
            "reg": s["reg"],
            "weight_scale": 1e-2,
            "dtype": np.float64,
            "seed": s["seed"],
        },
        signature=("hidden_dims", "input_dim", "num_classes", "dropout_keep_ratio", "normalization"),
        reference=_fc_net,
        summary="fc_net.py: 1-2 hidden layers, batchnorm/layernorm/none, seeded dropout, 0.5 reg ||W||^2",
    ),
    GateSpec(
        name="ThreeLayerConvNet",
        convention=Convention.MODEL,
        inputs={
            # Off the grid: equal conv outputs in a pooling window (a tie) come only from grid
            # values, and under a saturated softmax their kink hides below the loss's rounding.
            "W1": Array(("F", "C", "fs", "fs"), grid=False),
            "b1": Array(("F",)),
            "W2": Array(("P", "Hd")),
            "b2": Array(("Hd",)),
            "W3": Array(("Hd", "K")),
            "b3": Array(("K",)),
            "X": Array(("N", "C", "H", "W"), differentiable=False, grid=False),
            "y": Labels(("N",), classes="K"),
        },
        sizes={
            "N": st.integers(1, 2),
            "C": st.integers(1, 2),
            "H": st.sampled_from([2, 4]),
            "W": st.sampled_from([2, 4]),
            "F": st.integers(1, 2),
            "fs": st.sampled_from([1, 3]),
            "Hd": st.integers(1, 3),
            "K": st.integers(2, 3),
            "reg": _REG,
        },
        derive=lambda s: {"P": s["F"] * (s["H"] // 2) * (s["W"] // 2)},
        construct=lambda s: {
            "input_dim": (s["C"], s["H"], s["W"]),
            "num_filters": s["F"],
            "filter_size": s["fs"],
            "hidden_dim": s["Hd"],
            "num_classes": s["K"],
            "weight_scale": 1e-3,
            "reg": s["reg"],
            "dtype": np.float64,
        },
        signature=("input_dim", "num_filters", "filter_size", "hidden_dim", "num_classes"),
        reference=_three_layer_convnet,
        summary="cnn.py: conv - relu - 2x2 max pool - affine - relu - affine - softmax, 0.5 reg ||W||^2",
    ),
)
