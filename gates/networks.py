"""CS231n assignment 2 networks built from the student's layers: FullyConnectedNet (fc_net.py) and
ThreeLayerConvNet (cnn.py) (student code: gates/student/fc_net.py, cnn.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .layers import course_rand
from .spec import torch, F, st, Array, Configuration, Convention, GateSpec, Input, Labels, Sizes, Variants

EPS = 1e-5


def _norm(h: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, dim: int) -> torch.Tensor:
    mean, var = h.mean(dim, keepdim=True), h.var(dim, unbiased=False, keepdim=True)
    return (h - mean) / torch.sqrt(var + EPS) * gamma + beta


Mask = Callable[[tuple[int, ...], int], "torch.Tensor | None"]


def _keep_mask(keep: float, kept: Callable[[np.ndarray], np.ndarray]) -> Mask:
    """The dropout mask the student's own dropout_forward draws: np.random.seed(seed) on every call,
    units where `kept(np.random.rand(...))`, scaled by 1 / keep; None without dropout."""

    def mask(shape: tuple[int, ...], seed: int) -> torch.Tensor | None:
        if keep == 1:
            return None
        return torch.as_tensor(kept(course_rand(shape, seed)) / keep)

    return mask


def _fc_forward(W1, b1, W2, b2, W3, b3, gamma1, beta1, gamma2, beta2, X, y, *, normalization: str | None,  # type: ignore[no-untyped-def]
                mask: Mask, seed: int, reg: float) -> torch.Tensor:  # fmt: skip
    """{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax, + reg ||W||^2."""
    weights = [(W, b) for W, b in ((W1, b1), (W2, b2), (W3, b3)) if W is not None]
    norms = [(g, be) for g, be in ((gamma1, beta1), (gamma2, beta2)) if g is not None]
    h = X.reshape(X.shape[0], -1)
    for i, (W, b) in enumerate(weights[:-1]):
        h = h @ W + b
        if normalization is not None:
            h = _norm(h, *norms[i], dim=0 if normalization == "batchnorm" else 1)
        h = torch.relu(h)
        dropped = mask(tuple(h.shape), seed)
        if dropped is not None:
            h = h * dropped
    scores = h @ weights[-1][0] + weights[-1][1]
    return F.cross_entropy(scores, y) + reg * sum(torch.sum(W * W) for W, _ in weights)


# The notebooks check FullyConnectedNet and ThreeLayerConvNet by gradient checks only, not by a loss
# value, so reg ||W||^2 (gradient 2 reg W) is as right as the docstrings' 0.5 reg ||W||^2: variants.
_REG_FACTORS = {"0.5 reg ||W||^2": 0.5, "reg ||W||^2": 1.0}


def _fc_net(keep_arg: str, factor: float) -> Callable[..., torch.Tensor]:
    """Since 2018: the keep probability is the constructor's `keep_arg` (`dropout` in 2018-20,
    `dropout_keep_ratio` since 2021; 1: no dropout), with `normalization`."""

    def reference(*args, **c: Any) -> torch.Tensor:  # type: ignore[no-untyped-def]
        keep = c[keep_arg]
        return _fc_forward(*args, normalization=c["normalization"], mask=_keep_mask(keep, lambda r: r < keep),
                           seed=c["seed"], reg=factor * c["reg"])  # fmt: skip

    return reference


def _fc_net_2016(factor: float) -> Callable[..., torch.Tensor]:
    """2016-17: `dropout` is the drop probability (0: no dropout), `use_batchnorm` the only norm."""

    def reference(*args, **c: Any) -> torch.Tensor:  # type: ignore[no-untyped-def]
        drop = c["dropout"]
        return _fc_forward(*args, normalization="batchnorm" if c["use_batchnorm"] else None,
                           mask=_keep_mask(1 - drop, lambda r: r >= drop), seed=c["seed"], reg=factor * c["reg"])  # fmt: skip

    return reference


def _fc_sizes(s: Sizes) -> dict[str, Any]:
    deep = s["depth"] == 2
    normed = s["normalization"] is not None
    return {"deep": deep, "normed": normed, "deep_normed": deep and normed, "O2": s["H2"] if deep else s["C"]}


def _three_layer_convnet(factor: float) -> Callable[..., torch.Tensor]:
    """conv (stride 1, size-preserving pad) - relu - 2x2 max pool - affine - relu - affine - softmax."""

    def reference(W1, b1, W2, b2, W3, b3, X, y, **c: Any) -> torch.Tensor:  # type: ignore[no-untyped-def]
        conv = F.conv2d(X, W1, b1, stride=1, padding=(c["filter_size"] - 1) // 2)
        pooled = F.max_pool2d(torch.relu(conv), 2, stride=2)
        hidden = torch.relu(pooled.reshape(X.shape[0], -1) @ W2 + b2)
        scores = hidden @ W3 + b3
        weights = torch.sum(W1 * W1) + torch.sum(W2 * W2) + torch.sum(W3 * W3)
        return F.cross_entropy(scores, y) + factor * c["reg"] * weights

    return reference


_REG = st.sampled_from([0.1, 0.5, 1.3])

_FC_INPUTS: dict[str, Input] = {
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
    }


# The configurations the course grades FullyConnectedNet in (FullyConnectedNets, Dropout,
# BatchNormalization and LayerNormalization notebooks), each with the depths and reg drawn: one
# verdict each. With dropout on, the mask is the student's own draw (np.random.rand or binomial,
# re-seeded per layer or once): no reference knows it, so those examples are checked against finite
# differences of the student's own seeded forward, and the forward against torch with dropout off.
_FC_CONFIGURATIONS = {
    "plain": Configuration({"normalization": None, "keep": 1}),
    "dropout": Configuration({"normalization": None, "keep": 0.5}, baseline="plain"),
    "batchnorm": Configuration({"normalization": "batchnorm", "keep": 1}, baseline="plain"),
    "layernorm": Configuration({"normalization": "layernorm", "keep": 1}, baseline="plain"),
}


def _dropout_off(s: Sizes) -> bool:
    return bool(s["keep"] == 1)


# Hidden units exactly at 0 (relu), pooling ties and dropped units are kinks inside the network, out
# of reach of the input domains: where an example lands on one, the engine finds it.
NETWORKS = (
    # The constructor changed over the years: alternatives told apart by its parameters.
    *(
        GateSpec(
            name="FullyConnectedNet",
            convention=Convention.MODEL,
            inputs=_FC_INPUTS,
            sizes={
                "N": st.integers(1, 4),
                "D": st.integers(1, 3),
                "H1": st.integers(1, 3),
                "H2": st.integers(1, 3),
                "C": st.integers(2, 3),
                "depth": st.integers(1, 2),  # hidden layers
                "normalization": st.sampled_from(norms),
                "keep": st.sampled_from([1, 0.5]),
                "seed": st.integers(0, 2**16),
                "reg": _REG,
            },
            derive=_fc_sizes,
            construct=lambda s, options=options: {  # type: ignore[misc]
                "hidden_dims": [s["H1"], s["H2"]][: s["depth"]],
                "input_dim": s["D"],
                "num_classes": s["C"],
                **options(s),
                "reg": s["reg"],
                "weight_scale": 1e-2,
                "dtype": np.float64,
                "seed": s["seed"],
            },
            signature=("hidden_dims", "input_dim", "num_classes", *signature),
            reference=reference,
            reference_on=_dropout_off,
            configurations={k: c for k, c in _FC_CONFIGURATIONS.items() if c.sizes["normalization"] in norms},
            summary=f"fc_net.py {years}: 1-2 hidden layers, {'/'.join(str(n) for n in norms)}, seeded dropout, (0.5) reg ||W||^2",
        )
        for years, signature, norms, options, reference in (
            (
                "(2021-)",
                ("dropout_keep_ratio", "normalization"),
                [None, "batchnorm", "layernorm"],
                lambda s: {"dropout_keep_ratio": s["keep"], "normalization": s["normalization"]},
                Variants({label: _fc_net("dropout_keep_ratio", f) for label, f in _REG_FACTORS.items()}),
            ),
            (
                "(2018-20)",
                ("dropout", "normalization"),
                [None, "batchnorm", "layernorm"],
                lambda s: {"dropout": s["keep"], "normalization": s["normalization"]},
                Variants({label: _fc_net("dropout", f) for label, f in _REG_FACTORS.items()}),
            ),
            (
                "(2016-17)",
                ("dropout", "use_batchnorm"),
                [None, "batchnorm"],
                lambda s: {"dropout": 1 - s["keep"], "use_batchnorm": s["normalization"] == "batchnorm"},
                Variants({label: _fc_net_2016(f) for label, f in _REG_FACTORS.items()}),
            ),
        )
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
        reference=Variants({label: _three_layer_convnet(f) for label, f in _REG_FACTORS.items()}),
        summary="cnn.py: conv - relu - 2x2 max pool - affine - relu - affine - softmax, (0.5) reg ||W||^2",
    ),
)
