"""CS231n layer pairs (student code: gates/student/layers.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .spec import (
    torch, F, st,
    Array, Condition, Convention, Diagnoses, FindingKind, Fixed, Floor, GateSpec, Mask, Mistake, Sizes, WrongMask,
)
from .lecture import SIGMOID_EXTREME

_DIM = st.integers(1, 4)


def _train_only(s: Sizes) -> bool:
    """batchnorm's backward is the course's train-mode one: a test-mode forward keeps no cache."""
    return bool(s["mode"] == "train")


def _affine(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1) @ w + b


def _batchnorm(
    x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, bn_param: dict[str, Any], detach: str = ""
) -> torch.Tensor:
    """`detach` ("mean" or "var") leaves that path out of the gradient: a known mistake's reference."""
    eps = bn_param.get("eps", 1e-5)
    if bn_param["mode"] == "train":
        mean, var = x.mean(0), x.var(0, unbiased=False)
        mean = mean.detach() if "mean" in detach else mean
        var = var.detach() if "var" in detach else var
        # The running statistics the course keeps in bn_param (zeros when absent).
        momentum = bn_param.get("momentum", 0.9)
        zeros = np.zeros(x.shape[1])
        for key, batch in (("running_mean", mean), ("running_var", var)):
            old = np.asarray(bn_param.get(key, zeros), dtype=np.float64)
            bn_param[key] = momentum * old + (1 - momentum) * batch.detach().numpy()
    else:
        mean = torch.as_tensor(bn_param["running_mean"])
        var = torch.as_tensor(bn_param["running_var"])
    return (x - mean) / torch.sqrt(var + eps) * gamma + beta


# A variance with eps already added (var = np.var(x) + eps, then normalised by sqrt(var)) stored in
# running_var is off by (1 - momentum) eps <= eps: harmless, an advisory. A wrong update (momentum on
# the wrong side, no update) is off by the size of the statistics and still fails.
RUNNING_VAR_FLOOR = {"running_var": Floor(1e-5, "an eps-level offset (eps added to the batch variance before it is stored?)")}


def _bn_param(s: Sizes, rng: np.random.Generator) -> dict[str, Any]:
    param: dict[str, Any] = {"mode": s["mode"], "eps": 1e-5, "momentum": 0.9}
    if s["mode"] == "test":
        param["running_mean"] = rng.standard_normal(s["D"])
        param["running_var"] = rng.uniform(0.5, 2.0, s["D"])
    return param


def course_rand(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """The uniform draw the course's dropout_forward makes: np.random.seed(seed), np.random.rand,
    leaving numpy's global state as it was."""
    state = np.random.get_state()
    np.random.seed(seed)
    r = np.random.rand(*shape)
    np.random.set_state(state)
    return r


def _scaled(factor: float) -> tuple[float, ...] | None:
    """A test-mode output of x * factor, where that tells something (0 and 1 are other mistakes)."""
    return (factor,) if 0 < factor < 1 else None


def dropout_mask(ps: tuple[float, ...], keep: Callable[[float], float], scale: str, misuse: str, input: str = "x") -> Mask:
    """Inverted dropout's mask where `keep(p)` is the keep probability (p drawn from `ps`): units kept with that
    probability and scaled by 1 / keep(p) in train mode, the identity in test mode. The mistakes
    recognised are stated in the convention's own terms: `scale` is how 1 / keep(p) is written,
    `misuse` what p mistaken for the other convention's is called."""

    def train(s: Sizes) -> bool:
        return bool(s["mode"] == "train")

    def values(s: Sizes) -> tuple[float, ...]:
        return (0.0, 1 / keep(s["p"])) if train(s) else (1.0,)

    def swapped(s: Sizes) -> tuple[float, ...] | None:  # units kept with 1 - keep(p), scaled to match
        return (0.0, 1 / (1 - keep(s["p"]))) if train(s) and keep(s["p"]) < 1 else None

    return Mask(
        input=input,
        values=values,
        kept=lambda s: keep(s["p"]),
        seed="seed",
        probe=tuple({"N": 100, "D": 100, "p": p, "mode": "train"} for p in ps),
        wrong=(
            WrongMask(f"kept units are not scaled by {scale}", values=lambda s: (0.0, 1.0) if train(s) else None),
            WrongMask(misuse, values=swapped, kept=lambda s: 1 - keep(s["p"])),
            WrongMask("test mode scales by p", values=lambda s: None if train(s) else _scaled(s["p"])),
            WrongMask("test mode scales by 1 - p", values=lambda s: None if train(s) else _scaled(1 - s["p"])),
        ),
    )


# p in 0.25 and 0.8 tells the two conventions apart by the fraction kept; 0.5 cannot, and either
# convention passes there. p = 1 keeps every unit when p is the keep probability, p = 0 when it is
# the drop probability (the other extreme divides by zero).
_KEEP_PS = (0.5, 0.25, 0.8, 1.0)
DROP_PS = (0.5, 0.25, 0.8, 0.0)


def _conv_sizes(s: Sizes) -> dict[str, int]:
    # Draw the output size and derive the input size, so every (stride, pad, filter) draw is legal;
    # the padding is lowered where it would leave no input at all.
    span_h = (s["Ho"] - 1) * s["stride"] + s["HH"]
    span_w = (s["Wo"] - 1) * s["stride"] + s["WW"]
    pad = min(s["pad"], (span_h - 1) // 2, (span_w - 1) // 2)
    return {"pad": pad, "H": span_h - 2 * pad, "W": span_w - 2 * pad}


def _pool_sizes(s: Sizes) -> dict[str, int]:
    # Up to stride - 1 rows and columns past the last window: no window may cover them (an output
    # size that counts partial windows is wrong there), and they get no gradient.
    left = min(s["leftover"], s["stride"] - 1)
    return {"H": (s["Ho"] - 1) * s["stride"] + s["PH"] + left, "W": (s["Wo"] - 1) * s["stride"] + s["PW"] + left}


# The paths of batchnorm's graph a hand derivation leaves out (the staged graph's two side branches).
BATCHNORM_TERMS = Diagnoses(mistakes=(
    Mistake(FindingKind.MISSING_TERM, "term through mean",
            "dx misses the path through the batch mean: mu depends on every x, so dx needs the -mean(dxhat) term "
            "(and the variance's dependence on mu)",
            lambda x, g, b, p: _batchnorm(x, g, b, p, detach="mean")),
    Mistake(FindingKind.MISSING_TERM, "term through var",
            "dx misses the path through the batch variance: var depends on every x, so dx needs the "
            "-xhat * mean(dxhat * xhat) term",
            lambda x, g, b, p: _batchnorm(x, g, b, p, detach="var")),
    Mistake(FindingKind.MISSING_TERM, "terms through mean and var",
            "dx treats the batch mean and variance as constants: both depend on every x, so dx needs the "
            "-mean(dxhat) and -xhat * mean(dxhat * xhat) terms",
            lambda x, g, b, p: _batchnorm(x, g, b, p, detach="mean var")),
))


def _overlap(kh: str, kw: str) -> Condition:
    """Windows that share input entries: their gradients must add up there."""
    return Condition(lambda s, v: s["stride"] < s[kh] or s["stride"] < s[kw], FindingKind.LOST_ACCUMULATION)


LAYERS = (
    GateSpec(
        name="affine",
        convention=Convention.LAYER_PAIR,
        inputs={"x": Array(("N", "*rest")), "w": Array(("D", "M")), "b": Array(("M",))},
        sizes={"N": _DIM, "rest": st.lists(st.integers(1, 3), min_size=1, max_size=3), "M": _DIM},
        derive=lambda s: {"D": int(np.prod(s["rest"]))},
        reference=_affine,
        summary="out = x.reshape(N, -1) w + b, x of any rank >= 2",
    ),
    GateSpec(
        name="relu",
        convention=Convention.LAYER_PAIR,
        inputs={"x": Array(("N", "D"), avoid_zero=True)},
        sizes={"N": _DIM, "D": _DIM},
        reference=torch.relu,
        summary="out = max(0, x)",
    ),
    GateSpec(
        name="sigmoid",
        convention=Convention.LAYER_PAIR,
        inputs={"x": Array(("N", "D"), scales=(1.0, 10.0), extremes=(SIGMOID_EXTREME,))},
        sizes={"N": _DIM, "D": _DIM},
        reference=torch.sigmoid,
        summary="out = 1 / (1 + exp(-x))",
    ),
    GateSpec(
        name="batchnorm",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "D"), scales=(1.0, 10.0)),
            "gamma": Array(("D",)),
            "beta": Array(("D",)),
            "bn_param": Fixed(_bn_param, floors=RUNNING_VAR_FLOOR),
        },
        sizes={"N": _DIM, "D": _DIM, "mode": st.sampled_from(["train", "test"])},
        reference=_batchnorm,
        backward_on=_train_only,
        diagnoses=BATCHNORM_TERMS,
        summary="batch normalization: train mode (batch statistics, running ones updated in bn_param), test mode",
    ),
    # The course's docstring has p as the keep probability since 2018 and as the drop probability
    # in 2016-17 ("We drop each neuron output with probability p"): alternatives. Either is judged by
    # its own mask (whichever random call draws it), read from its output.
    *(
        GateSpec(
            name="dropout",
            convention=Convention.LAYER_PAIR,
            inputs={
                "x": Array(("N", "D"), avoid_zero=True),
                "dropout_param": Fixed(lambda s, rng: {"p": s["p"], "mode": s["mode"], "seed": s["seed"]}),
            },
            sizes={
                "N": _DIM,
                "D": _DIM,
                "p": st.sampled_from(ps),
                "mode": st.sampled_from(["train", "test"]),
                "seed": st.integers(0, 2**16),
            },
            reference=None,
            stochastic=mask,
            variant=variant,
            summary=f"inverted dropout, {variant}: x times a seeded mask of its own (0 or 1/keep), judged by that mask",
        )
        for variant, ps, mask in (
            ("p = keep probability", _KEEP_PS, dropout_mask(_KEEP_PS, lambda p: p, "1/p", "p is used as the drop probability")),
            (
                "p = drop probability (2016-17)",
                DROP_PS,
                dropout_mask(DROP_PS, lambda p: 1 - p, "1/(1 - p)", "p is used as the keep probability"),
            ),
        )
    ),
    GateSpec(
        name="conv",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "C", "H", "W")),
            "w": Array(("F", "C", "HH", "WW")),
            "b": Array(("F",)),
            "conv_param": Fixed(lambda s, rng: {"stride": s["stride"], "pad": s["pad"]}),
        },
        sizes={
            "N": st.integers(1, 2),
            "C": st.integers(1, 3),
            "F": st.integers(1, 3),
            "HH": st.integers(1, 3),
            "WW": st.integers(1, 3),
            "Ho": st.integers(1, 3),
            "Wo": st.integers(1, 3),
            "stride": st.integers(1, 3),
            "pad": st.integers(0, 1),
        },
        derive=_conv_sizes,
        reference=lambda x, w, b, p: F.conv2d(x, w, b, stride=p["stride"], padding=p["pad"]),
        diagnoses=Diagnoses(conditions={"windows overlap (stride < filter size)": _overlap("HH", "WW")}),
        summary="conv_forward_naive: cross-correlation with stride and zero padding",
    ),
    GateSpec(
        name="max_pool",
        convention=Convention.LAYER_PAIR,
        # Pooling ties are the kink: the input's values are kept distinct.
        inputs={
            "x": Array(("N", "C", "H", "W"), distinct=True),
            "pool_param": Fixed(lambda s, rng: {"pool_height": s["PH"], "pool_width": s["PW"], "stride": s["stride"]}),
        },
        sizes={
            "N": st.integers(1, 2),
            "C": st.integers(1, 2),
            "PH": st.integers(1, 3),
            "PW": st.integers(1, 3),
            "Ho": st.integers(1, 3),
            "Wo": st.integers(1, 3),
            "stride": st.integers(1, 3),
            "leftover": st.integers(0, 2),
        },
        derive=_pool_sizes,
        # "you can assume: (H - pool_height) % stride == 0, (W - pool_width) % stride == 0"
        assumes=lambda s: min(s["leftover"], s["stride"] - 1) == 0,
        reference=lambda x, p: F.max_pool2d(x, (p["pool_height"], p["pool_width"]), stride=p["stride"]),
        diagnoses=Diagnoses(conditions={"pooling windows overlap (stride < pool size)": _overlap("PH", "PW")}),
        summary="max_pool_forward_naive: windows of any size and stride, overlapping ones included",
    ),
)
