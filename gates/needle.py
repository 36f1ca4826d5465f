"""CMU 10-714 (Deep Learning Systems) needle: the `TensorOp`s students write in hw1 (ops.py, or
ops/ops_mathematic.py in later years) and hw2 (LogSumExp, LogSoftmax: ops_logarithmic.py), each a
`compute(*arrays)` on the numpy backend and a `gradient(out_grad, node)` on needle Tensors, and
hw2's `nn` modules (nn_basic.py: Linear, ReLU, Flatten, SoftmaxLoss, BatchNorm1d, LayerNorm1d,
Dropout), whose gradients are needle's autograd through the student's ops.
Student-style code: gates/student/needle_hw/python/needle (checks.tensor_op and checks.nn_module say
how they are called).

One entry per op, named as the course's class. The constructor arguments (AddScalar(scalar),
Summation(axes), BroadcastTo(shape), Reshape(shape), Transpose(axes), LogSumExp(axes)) are the
entry's `construct`, drawn with the shapes so that they are valid for them: summed axes are None
(everything) or a tuple of distinct axes; a broadcast prepends axes and stretches axes of size 1 (an
input of shape () included; `_broadcast`); Transpose swaps two axes, the last two by default (axes=None); a
reshape regroups the same entries. MatMul is batched as the course's tests are: both operands with
the batch axes, or one of them a plain matrix (or with fewer batch axes), whose gradient then sums
over the axes it was broadcast along; broadcasting a batch axis of size 1 against a larger one is
not drawn (the course never asks for it). Element-wise binary ops take operands of one shape, as
needle's do (a broadcast is an op of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .layers import DROP_PS, dropout_mask
from .spec import F, Array, Convention, Extreme, Fixed, GateSpec, Labels, Sizes, Stateful, Symptom, st, torch

_SHAPE = st.lists(st.integers(1, 4), min_size=1, max_size=3)  # rank 1-3, up to 64 entries
# The course hands out EWisePow.gradient complete from 2023 on (no YOUR SOLUTION block). It begins
# `if not isinstance(node.inputs[0], NDArray) ...: raise ValueError("Both inputs must be tensors
# (NDArray).")`, which always raises for needle Tensors; no course test calls it. Its fingerprints:
# the two versions (`grad_b = out_grad * (a**b) * array_api.log(a.data)`, and `... * log(a)`), and
# its guard alone (`upto=1`), which raises before any line after it, whoever wrote those.
_HANDED_OUT_POW = frozenset({"bdc480ba2467e22f", "3cb6e5851fb9cee4", "152dacd580d595dc"})
_PICK = st.integers(0, 2**16 - 1)  # picks the axes (or the grouping) for the drawn shape; 0: the plain case

_ANY = Array(("*shape",))
_OFF_ZERO = Array(("*shape",), avoid_zero=True)  # relu's kink at 0; a divisor; a negative power's pole
_POSITIVE = Array(("*shape",), positive=True, floor=0.2)  # log's argument, a power's base

_LARGE_LOGITS = Extreme(1.0, 1000.0, {
    Symptom.INF: "logits near 1000 overflow exp: subtract the max along the axes first (the stable form the course asks for)",
    Symptom.NAN: "logits near 1000 overflow exp (inf / inf): subtract the max along the axes first",
})  # fmt: skip


def _op(name: str, reference: Callable[..., Any], summary: str, inputs: Mapping[str, Array],
        sizes: Mapping[str, Any] | None = None, derive: Callable[[Sizes], Mapping[str, Any]] | None = None,
        arguments: tuple[str, ...] = (), shipped: frozenset[str] = frozenset()) -> GateSpec:  # fmt: skip
    """An op entry; `arguments` are its constructor's, in the course's order, taken from the sizes."""
    construct = (lambda s: {k: s[k] for k in arguments}) if arguments else None
    called = f"{name}({', '.join(arguments)})({', '.join(inputs)})"
    return GateSpec(
        name, Convention.TENSOR_OP, dict(inputs), dict(sizes or {"shape": _SHAPE}), reference, f"{called}: {summary}",
        derive=derive, construct=construct, shipped=shipped,
    )


def _axes(s: Sizes) -> dict[str, Any]:
    """None (every axis) or a tuple of distinct axes of the drawn shape, in increasing order."""
    rank, pick = len(s["shape"]), s["pick"]
    if pick % (rank + 2) == 0:
        return {"axes": None}
    rng = np.random.default_rng(pick)
    count = 1 + int(rng.integers(rank))
    return {"axes": tuple(sorted(int(a) for a in rng.choice(rank, size=count, replace=False)))}


def _summed(a: torch.Tensor, axes: tuple[int, ...] | None) -> torch.Tensor:
    return a.sum() if axes is None else a.sum(dim=axes)


def _logsumexp(a: torch.Tensor, axes: tuple[int, ...] | None) -> torch.Tensor:
    return torch.logsumexp(a.reshape(-1), 0) if axes is None else torch.logsumexp(a, dim=axes)


def _broadcast(s: Sizes) -> dict[str, Any]:
    """The input's shape for a broadcast to the drawn `shape`, one of four ways, each as often: axes
    of size 1 stretched; new leading axes; new leading axes of size 1 only (nothing summed, and the
    gradient must still be reshaped: a bias (1, out) in a Linear on (1, N, in)); new leading axes and
    axes stretched, where a gradient's axis numbers must count the new ones."""
    target = tuple(int(d) for d in s["target"])
    if s["pick"] == 0:
        return {"shape": target, "source": target}  # nothing to broadcast
    rng = np.random.default_rng(s["pick"])
    way = int(rng.integers(4))
    dropped = 0 if way == 0 else int(rng.integers(1, len(target) + 1))
    if way == 2:
        return {"shape": (1,) * dropped + target[dropped:], "source": target[dropped:]}
    kept = tuple(1 if way in (0, 3) and rng.random() < 0.5 else d for d in target[dropped:])
    return {"shape": target, "source": kept}


def _regrouped(s: Sizes) -> dict[str, Any]:
    """A shape with the same entries as the drawn one: its dims reordered and neighbours merged."""
    dims = [int(d) for d in s["dims"]]
    rng = np.random.default_rng(s["pick"])
    order = [dims[i] for i in rng.permutation(len(dims))] if s["pick"] else list(dims)
    merged: list[int] = []
    for d in order:
        if merged and rng.random() < 0.4:
            merged[-1] *= d
        else:
            merged.append(d)
    if s["pick"] % 3 == 1:
        merged.append(1)  # a new axis of size 1
    return {"source": tuple(dims), "shape": tuple(merged)}


def _swapped(s: Sizes) -> dict[str, Any]:
    """None (the last two axes) or two distinct axes of the drawn shape."""
    rank, pick = len(s["shape"]), s["pick"]
    if pick % 3 == 0:
        return {"axes": None}
    rng = np.random.default_rng(pick)
    i, j = (int(a) for a in rng.choice(rank, size=2, replace=False))
    return {"axes": (i, j)}


def _transposed(a: torch.Tensor, axes: tuple[int, int] | None) -> torch.Tensor:
    return a.transpose(-1, -2) if axes is None else a.transpose(*axes)


def _batches(s: Sizes) -> dict[str, Any]:
    """The batch axes of each operand: both the drawn ones, or one a plain matrix (side 1, 2), or
    one with the last batch axis only (side 3)."""
    batch = tuple(int(d) for d in s["batch"])
    side = s["side"]
    if side == 1:
        return {"abatch": batch, "bbatch": ()}
    if side == 2:
        return {"abatch": (), "bbatch": batch}
    if side == 3:
        return {"abatch": batch, "bbatch": batch[1:]}
    return {"abatch": batch, "bbatch": batch}


# to the hundredth, as the course's tests write them: hypothesis's floats reach 5e-200, which a
# student's float32 cast (hw4's NDArray dtype) rounds to 0
# (declared, not mapped: the registry loads without hypothesis; shrinks toward 0, the first)
_SCALARS = st.sampled_from(sorted((k / 100 for k in range(-400, 401)), key=abs))
_DIVISORS = st.sampled_from([2.0, -0.5, 3.0, 0.25, -4.0, 1.0, 1e-2])
_POWERS = st.sampled_from([2, 3, 1, 0, -1, -2])
_SCALAR_SIZES = {"shape": _SHAPE, "scalar": _SCALARS}


def _scalar(name: str, fn: Callable[[torch.Tensor, Any], torch.Tensor], summary: str, a: Array = _ANY,
            scalars: Any = _SCALARS) -> GateSpec:  # fmt: skip
    return _op(name, lambda a, *, scalar: fn(a, scalar), summary, {"a": a}, {"shape": _SHAPE, "scalar": scalars},
               arguments=("scalar",))  # fmt: skip


HW1: tuple[GateSpec, ...] = (
    _op("EWiseAdd", lambda a, b: a + b, "a + b", {"a": _ANY, "b": _ANY}),
    _scalar("AddScalar", lambda a, c: a + c, "a + scalar"),
    _op("EWiseMul", lambda a, b: a * b, "a * b", {"a": _ANY, "b": _ANY}),
    _scalar("MulScalar", lambda a, c: a * c, "a * scalar"),
    _scalar("PowerScalar", lambda a, n: a**n, "a ** n, n an int in -2..3, a off 0", _OFF_ZERO, _POWERS),
    _op("EWisePow", lambda a, b: a**b, "a ** b element-wise, a > 0", {"a": _POSITIVE, "b": _ANY}, shipped=_HANDED_OUT_POW),
    _op("EWiseDiv", lambda a, b: a / b, "a / b, b off 0", {"a": _ANY, "b": _OFF_ZERO}),
    _scalar("DivScalar", lambda a, c: a / c, "a / scalar, scalar off 0", scalars=_DIVISORS),
    _op("Transpose", lambda a, *, axes: _transposed(a, axes), "swaps two axes, the last two by default (axes=None)",
        {"a": _ANY}, {"shape": st.lists(st.integers(1, 4), min_size=2, max_size=4), "pick": _PICK}, _swapped, ("axes",)),
    _op("Reshape", lambda a, *, shape: a.reshape(shape), "the same entries in another shape", {"a": Array(("*source",))},
        {"dims": st.lists(st.integers(1, 4), min_size=1, max_size=4), "pick": _PICK}, _regrouped, ("shape",)),
    _op("BroadcastTo", lambda a, *, shape: a.broadcast_to(shape), "new leading axes and axes of size 1 stretched",
        {"a": Array(("*source",))}, {"target": st.lists(st.integers(1, 4), min_size=1, max_size=4), "pick": _PICK},
        _broadcast, ("shape",)),
    _op("Summation", lambda a, *, axes: _summed(a, axes), "sum over axes (a tuple, or None: all)", {"a": _ANY},
        {"shape": st.lists(st.integers(1, 4), min_size=1, max_size=4), "pick": _PICK}, _axes, ("axes",)),
    _op("MatMul", lambda a, b: torch.matmul(a, b), "a @ b, batched, a batch broadcast to a plain matrix",
        {"a": Array(("*abatch", "n", "k")), "b": Array(("*bbatch", "k", "m"))},
        {"batch": st.lists(st.integers(1, 3), min_size=0, max_size=2), "side": st.integers(0, 3),
         "n": st.integers(1, 4), "k": st.integers(1, 4), "m": st.integers(1, 4)}, _batches),
    _op("Negate", lambda a: -a, "-a", {"a": _ANY}),
    _op("Log", torch.log, "log(a), a > 0", {"a": _POSITIVE}),
    _op("Exp", torch.exp, "exp(a)", {"a": _ANY}),
    _op("ReLU", torch.relu, "max(a, 0), a off the kink at 0", {"a": _OFF_ZERO}),
)

_LOGITS = Array(("*shape",), extremes=(_LARGE_LOGITS,))

HW2: tuple[GateSpec, ...] = (
    _op("LogSumExp", lambda a, *, axes: _logsumexp(a, axes), "log(sum(exp(a))) over axes (a tuple, or None: all)",
        {"a": _LOGITS}, {"shape": _SHAPE, "pick": _PICK}, _axes, ("axes",)),
    _op("LogSoftmax", lambda a: torch.log_softmax(a, dim=-1), "log softmax of a matrix's rows",
        {"a": Array(("n", "c"), extremes=(_LARGE_LOGITS,))}, {"n": st.integers(1, 4), "c": st.integers(1, 5)}),
    _op("Tanh", torch.tanh, "tanh(a) (hw4)", {"a": _ANY}),
)

_ROWS = {"N": st.integers(1, 4), "D": st.integers(1, 5)}
_EPS = 1e-5  # the course's BatchNorm1d and LayerNorm1d default


def _module(name: str, reference: Callable[..., Any], summary: str, inputs: Mapping[str, Any], sizes: Mapping[str, Any],
            arguments: tuple[str, ...] = (), params: Mapping[str, str] | None = None) -> GateSpec:  # fmt: skip
    """An nn module entry (checks.nn_module): constructed with `arguments` from the sizes, in the
    course's order; `params`: input -> the module's attribute under the course's name (`weight`)."""
    construct = (lambda s: {k: s[k] for k in arguments}) if arguments else None
    called = f"{name}({', '.join(arguments)})"
    return GateSpec(
        name, Convention.NN_MODULE, dict(inputs), dict(sizes), reference, f"{called}: {summary}",
        construct=construct, stateful=Stateful(params=dict(params or {})),
    )


def _linear(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor, **_: Any) -> torch.Tensor:
    return X @ W + b


_MOMENTUM = 0.1  # the course's BatchNorm1d default: running = (1 - m) running + m batch


def _bn_state(s: Sizes, rng: np.random.Generator) -> dict[str, Any]:
    """BatchNorm1d's state by attribute name (checks.nn_module): train or eval mode, and running
    statistics other than the constructor's zeros and ones, so that the update must use them."""
    return {"training": s["mode"] == "train", "running_mean": rng.standard_normal(s["D"]),
            "running_var": rng.uniform(0.5, 2.0, s["D"])}  # fmt: skip


def _batchnorm(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor, state: dict[str, Any], **_: Any) -> torch.Tensor:
    if state["training"]:
        mean, var = X.mean(0), X.var(0, unbiased=False)
        for key, batch in (("running_mean", mean), ("running_var", var)):
            state[key] = (1 - _MOMENTUM) * np.asarray(state[key], dtype=np.float64) + _MOMENTUM * batch.detach().numpy()
    else:
        mean, var = torch.as_tensor(state["running_mean"]), torch.as_tensor(state["running_var"])
    return (X - mean) / torch.sqrt(var + _EPS) * W + b


# hw2's nn_basic.py: the modules with a computation of their own (Identity, Sequential and Residual
# only call others); Dropout below.
MODULES: tuple[GateSpec, ...] = (
    _module("Linear", _linear, "X @ weight + bias on X (N, in) or the course's (1, N, in); weight (in, out), bias (1, out) broadcast over the batch",
            {"X": Array(("*lead", "N", "in_features")), "W": Array(("in_features", "out_features")), "b": Array((1, "out_features"))},
            {"lead": st.sampled_from([(), (1,)]), "N": st.integers(1, 4), "in_features": st.integers(1, 4), "out_features": st.integers(1, 4)},
            ("in_features", "out_features"), {"W": "weight", "b": "bias"}),
    _module("ReLU", lambda X, **_: torch.relu(X), "max(X, 0), X off the kink at 0", {"X": Array(("N", "D"), avoid_zero=True)}, _ROWS),
    _module("Flatten", lambda X, **_: X.reshape(X.shape[0], -1), "(N, ...) -> (N, the rest's product)",
            {"X": Array(("N", "A", "B"))}, {"N": st.integers(1, 3), "A": st.integers(1, 3), "B": st.integers(1, 3)}),
    _module("SoftmaxLoss", lambda Z, y, **_: F.cross_entropy(Z, y), "softmax cross-entropy of logits and labels, averaged over the batch",
            {"Z": Array(("N", "C"), scales=(1.0, 10.0)), "y": Labels(("N",), classes="C")}, {"N": st.integers(1, 4), "C": st.integers(2, 5)}),
    _module("LayerNorm1d", lambda X, W, b, *, D, **_: F.layer_norm(X, (D,), W, b, eps=_EPS),
            "each row normalised (biased variance, eps 1e-5), times weight plus bias, both (dim,)",
            {"X": Array(("N", "D"), scales=(1.0, 4.0)), "W": Array(("D",)), "b": Array(("D",))},
            {"N": st.integers(1, 4), "D": st.integers(2, 5)}, ("D",), {"W": "weight", "b": "bias"}),
    _module("BatchNorm1d", _batchnorm,
            "training: each column normalised by the batch's mean and biased variance (eps 1e-5), times weight plus "
            "bias, running_mean and running_var moved by momentum 0.1 towards them; eval: normalised by the running ones",
            {"X": Array(("N", "D"), scales=(1.0, 4.0)), "W": Array(("D",)), "b": Array(("D",)), "state": Fixed(_bn_state)},
            {"N": st.integers(2, 5), "D": st.integers(1, 4), "mode": st.sampled_from(["train", "eval"])}, ("D",),
            {"W": "weight", "b": "bias"}),
)

# Dropout(p): p the drop probability; its mask comes from init.randb (np.random), seeded before each
# forward as the course's tests seed it, and is judged as drawn (checks.stochastic): entries 0 or
# 1/(1 - p) in training mode, the identity in eval mode.
DROPOUT = GateSpec(
    "Dropout", Convention.NN_MODULE,
    {"X": Array(("N", "D"), avoid_zero=True), "state": Fixed(lambda s, rng: {"training": s["mode"] == "train"})},
    {"N": st.integers(1, 4), "D": st.integers(1, 4), "p": st.sampled_from(DROP_PS), "mode": st.sampled_from(["train", "eval"]),
     "seed": st.integers(0, 2**16)},
    None, "Dropout(p): X times a mask of 0 or 1/(1 - p) in training mode (p the drop probability), X itself in eval mode",
    construct=lambda s: {"p": s["p"]}, stateful=Stateful(seeded="seed"),
    stochastic=dropout_mask(DROP_PS, lambda p: 1 - p, "1/(1 - p)", "p is used as the keep probability", input="X"),
)  # fmt: skip

NEEDLE: tuple[GateSpec, ...] = HW1 + HW2 + MODULES + (DROPOUT,)
