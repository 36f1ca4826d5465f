"""CS231n assignment 2 normalization layers beyond batchnorm: layer normalization, and the spatial
(N, C, H, W) batch and group normalization of the CNN notebook (student code: gates/student/layers.py).

Each is checked against a reference that normalizes over the right axes, so a normalization over the
wrong ones (layernorm over the batch, spatial batchnorm reshaped without a transpose, groups taken
across the wrong channels) fails the forward comparison even where its backward matches its forward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layers import _batchnorm, _train_only, RUNNING_VAR_FLOOR
from .spec import torch, st, Array, Convention, Diagnoses, FindingKind, Fixed, GateSpec, Mistake, Sizes

EPS = 1e-5


def _normalize(x: torch.Tensor, dims: tuple[int, ...], eps: float) -> torch.Tensor:
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def _layernorm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, ln_param: dict[str, Any]) -> torch.Tensor:
    return _normalize(x, (1,), ln_param.get("eps", EPS)) * gamma + beta


def _spatial_batchnorm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, bn_param: dict[str, Any]) -> torch.Tensor:
    # batchnorm of every (n, h, w) position as a sample of C features, running statistics included
    N, C, H, W = x.shape
    flat = x.permute(0, 2, 3, 1).reshape(-1, C)
    return _batchnorm(flat, gamma, beta, bn_param).reshape(N, H, W, C).permute(0, 3, 1, 2)


def _spatial_groupnorm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, G: int, gn_param: dict[str, Any]) -> torch.Tensor:
    N, C, H, W = x.shape
    grouped = _normalize(x.reshape(N, G, -1), (2,), gn_param.get("eps", EPS))
    return grouped.reshape(N, C, H, W) * gamma.reshape(1, C, 1, 1) + beta.reshape(1, C, 1, 1)


def _spatial_bn_param(s: Sizes, rng: np.random.Generator) -> dict[str, Any]:
    param: dict[str, Any] = {"mode": s["mode"], "eps": EPS, "momentum": 0.9}
    if s["mode"] == "test":
        param["running_mean"] = rng.standard_normal(s["C"])
        param["running_var"] = rng.uniform(0.5, 2.0, s["C"])
    return param


_SMALL = st.integers(1, 3)

NORMALIZATION = (
    GateSpec(
        name="layernorm",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "D"), scales=(1.0, 10.0)),
            "gamma": Array(("D",)),
            "beta": Array(("D",)),
            "ln_param": Fixed(lambda s, rng: {"eps": EPS}),
        },
        sizes={"N": st.integers(1, 4), "D": st.integers(1, 4)},
        reference=_layernorm,
        diagnoses=Diagnoses(mistakes=(
            Mistake(FindingKind.FORWARD_WRONG, "normalized over the batch axis",
                    "the forward normalizes each feature over the batch (axis 0), as batchnorm does: layernorm "
                    "normalizes each sample over its features (axis 1)",
                    lambda x, g, b, p: _normalize(x, (0,), p.get("eps", EPS)) * g + b),
        )),
        summary="layer normalization: each sample over its D features, then gamma, beta (D,)",
    ),
    GateSpec(
        name="spatial_batchnorm",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "C", "H", "W"), scales=(1.0, 10.0)),
            "gamma": Array(("C",)),
            "beta": Array(("C",)),
            "bn_param": Fixed(_spatial_bn_param, floors=RUNNING_VAR_FLOOR),
        },
        sizes={"N": st.integers(1, 2), "C": _SMALL, "H": _SMALL, "W": _SMALL, "mode": st.sampled_from(["train", "test"])},
        reference=_spatial_batchnorm,
        backward_on=_train_only,
        summary="batchnorm per channel over (N, H, W) of x (N, C, H, W); running statistics in bn_param",
    ),
    *(
        GateSpec(
            name="spatial_groupnorm",
            convention=Convention.LAYER_PAIR,
            inputs={
                "x": Array(("N", "C", "H", "W"), scales=(1.0, 10.0)),
                "gamma": Array(shape),
                "beta": Array(shape),
                "G": Fixed(lambda s, rng: s["G"]),
                "gn_param": Fixed(lambda s, rng: {"eps": EPS}),
            },
            # C = G * (channels per group): groups of one channel and several, one group and several
            sizes={"N": st.integers(1, 2), "G": _SMALL, "per_group": st.integers(1, 2), "H": st.integers(1, 2), "W": st.integers(1, 2)},
            derive=lambda s: {"C": s["G"] * s["per_group"]},
            reference=_spatial_groupnorm,
            # The course's layers.py has had gamma and beta as (1, C, 1, 1) and, in later years, as (C,):
            # alternatives, a student is judged by the one their code follows.
            variant=f"gamma, beta {label}",
            summary=f"group normalization of x (N, C, H, W) in G groups of C/G channels; gamma, beta {label}",
        )
        for shape, label in (((1, "C", 1, 1), "(1, C, 1, 1)"), (("C",), "(C,)"))
    ),
)
