"""CS231n assignment 2 layer_utils.py: composite layers that chain the student's own layers
(student code: gates/student/layer_utils.py, which imports its layers from layers.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .layers import _affine, _batchnorm, _conv_sizes, _train_only, RUNNING_VAR_FLOOR
from .spec import torch, F, st, Array, Condition, Convention, Diagnoses, FindingKind, Fixed, GateSpec, Input, Sizes


def _conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return F.conv2d(x, w, b, stride=p["stride"], padding=p["pad"])


def _pool(x: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return F.max_pool2d(x, (p["pool_height"], p["pool_width"]), stride=p["stride"])


def _conv_relu_pool_sizes(s: Sizes) -> dict[str, int]:
    # From the pooled size back to the conv output size (with up to stride - 1 rows and columns no
    # pooling window covers), then to the conv input (as for conv alone).
    left = min(s["leftover"], s["pool_stride"] - 1)
    conv_out = {
        "Ho": (s["Po"] - 1) * s["pool_stride"] + s["PH"] + left,
        "Wo": (s["Po"] - 1) * s["pool_stride"] + s["PW"] + left,
    }
    return {**conv_out, **_conv_sizes({**s, **conv_out})}


def _bn_param(s: Sizes, rng: np.random.Generator) -> dict[str, Any]:
    param: dict[str, Any] = {"mode": s["mode"], "eps": 1e-5, "momentum": 0.9}
    if s["mode"] == "test":
        param["running_mean"] = rng.standard_normal(s["M"])
        param["running_var"] = rng.uniform(0.5, 2.0, s["M"])
    return param


_DIM = st.integers(1, 3)
_CONV_SIZES = {
    "N": st.integers(1, 2),
    "C": st.integers(1, 2),
    "F": st.integers(1, 2),
    "HH": st.integers(1, 3),
    "WW": st.integers(1, 3),
    "stride": st.integers(1, 2),
    "pad": st.integers(0, 1),
}
_CONV_INPUTS: dict[str, Input] = {
    "x": Array(("N", "C", "H", "W")),
    "w": Array(("F", "C", "HH", "WW")),
    "b": Array(("F",)),
    "conv_param": Fixed(lambda s, rng: {"stride": s["stride"], "pad": s["pad"]}),
}

# relu at 0 and pooling ties sit inside the composite, out of reach of the input domains: where an
# example lands on one, the engine finds the kink and accepts any subgradient.
LAYER_UTILS = (
    GateSpec(
        name="affine_relu",
        convention=Convention.LAYER_PAIR,
        inputs={"x": Array(("N", "*rest")), "w": Array(("D", "M")), "b": Array(("M",))},
        sizes={"N": _DIM, "rest": st.lists(st.integers(1, 3), min_size=1, max_size=2), "M": _DIM},
        derive=lambda s: {"D": int(np.prod(s["rest"]))},
        reference=lambda x, w, b: torch.relu(_affine(x, w, b)),
        summary="affine then relu, through the student's affine and relu layers",
    ),
    GateSpec(
        name="affine_bn_relu",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "D")),
            "w": Array(("D", "M")),
            "b": Array(("M",)),
            "gamma": Array(("M",)),
            # Off the grid: with two samples batchnorm gives +-(1 - eps/2var), so a grid beta = -gamma
            # puts the relu's input a hair from 0, where finite differences straddle the kink.
            "beta": Array(("M",), grid=False),
            "bn_param": Fixed(_bn_param, floors=RUNNING_VAR_FLOOR),
        },
        sizes={"N": st.integers(1, 4), "D": _DIM, "M": _DIM, "mode": st.sampled_from(["train", "test"])},
        reference=lambda x, w, b, gamma, beta, p: torch.relu(_batchnorm(x @ w + b, gamma, beta, p)),
        backward_on=_train_only,
        summary="affine - batchnorm - relu (the fc_net block with normalization)",
    ),
    GateSpec(
        name="conv_relu",
        convention=Convention.LAYER_PAIR,
        inputs=_CONV_INPUTS,
        sizes={**_CONV_SIZES, "Ho": st.integers(1, 3), "Wo": st.integers(1, 3)},
        derive=_conv_sizes,
        reference=lambda x, w, b, p: torch.relu(_conv(x, w, b, p)),
        summary="convolution then relu",
    ),
    GateSpec(
        name="conv_relu_pool",
        convention=Convention.LAYER_PAIR,
        inputs={
            **_CONV_INPUTS,
            "pool_param": Fixed(lambda s, rng: {"pool_height": s["PH"], "pool_width": s["PW"], "stride": s["pool_stride"]}),
        },
        sizes={**_CONV_SIZES, "Po": st.integers(1, 2), "PH": st.integers(1, 2), "PW": st.integers(1, 2), "pool_stride": st.integers(1, 2),
               "leftover": st.integers(0, 1)},
        derive=_conv_relu_pool_sizes,
        assumes=lambda s: min(s["leftover"], s["pool_stride"] - 1) == 0,  # as max pool's docstring
        reference=lambda x, w, b, conv_param, pool_param: _pool(torch.relu(_conv(x, w, b, conv_param)), pool_param),
        diagnoses=Diagnoses(conditions={"pooling windows overlap (pool stride < pool size)": Condition(
            lambda s, v: s["pool_stride"] < s["PH"] or s["pool_stride"] < s["PW"], FindingKind.LOST_ACCUMULATION)}),
        summary="convolution - relu - max pool (conv_param, pool_param)",
    ),
)
