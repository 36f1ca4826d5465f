"""micrograd: Karpathy's scalar autograd engine, a `Value` class whose operators build a graph and
whose `backward()` fills every node's `grad` (the repository's engine.py and the lecture "The
spelled-out intro to neural networks and backpropagation"). Student code: gates/student/micrograd.py.

One entry per operation, with a Value on both sides, a plain number on either side (`a * k` calls
`__mul__` with a number, `k * a` `__rmul__`) and unary ops (sigmoid and log optional: a class
without them is not listed for them); entries where one value is used twice
or more, where `self.grad = ...` instead of `+=` loses a contribution and a backward without
topological order runs a node before all its consumers; and random expression graphs of a few
leaves and 2-12 operations with shared subexpressions. The expression of each entry is its input
EXPRESSION (checks.expression): the same statements run on the student's Values and, here, on
float64 tensors, whose autograd is the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from gradgate.checks.expression import evaluate, methods_used

from .spec import EXPRESSION, Array, Convention, Fixed, GateSpec, Input, Ops, Sizes, st, torch

_LEAF = Array(())
_OFF_ZERO = Array((), avoid_zero=True)  # relu's kink at 0; a divisor or a negative power's pole
_POSITIVE = Array((), positive=True, floor=0.2)  # a float power's base
_NUMBER = Array((), differentiable=False)
_NONZERO = Array((), differentiable=False, avoid_zero=True)


def _reference(names: tuple[str, ...]) -> Callable[..., torch.Tensor]:
    """The expression on the inputs as tensors (numbers as constant tensors), as autograd sees it."""

    def reference(*args: Any) -> torch.Tensor:
        env = dict(zip(names, args, strict=True))
        return evaluate(env.pop(EXPRESSION), env)

    return reference


def _expression(program: tuple[str, ...]) -> Fixed:
    return Fixed(lambda s, rng: program)


def _entry(name: str, label: str, program: tuple[str, ...], summary: str, inputs: Mapping[str, Input],
           sizes: Mapping[str, st.SearchStrategy[Any]] | None = None, methods: tuple[str, ...] | None = None,
           expression: Fixed | None = None, optional: bool = False) -> GateSpec:  # fmt: skip
    """An entry whose expression is `program` (or drawn by `expression`); the methods it calls are
    read from the program, with the non-differentiable inputs as plain numbers."""
    everything = {**inputs, EXPRESSION: expression or _expression(program)}
    numbers = [k for k, v in inputs.items() if not v.differentiable]
    used = methods if methods is not None else methods_used(program, numbers)
    return GateSpec(
        name, Convention.SCALAR_ENGINE, everything, dict(sizes or {}), _reference(tuple(everything)), summary,
        ops=Ops(used, label, optional),
    )


def _op(name: str, label: str, line: str, summary: str, optional: bool = False, **inputs: Input) -> GateSpec:
    return _entry(name, label, (f"out = {line}",), summary, inputs, optional=optional)


_INT_POWERS = st.sampled_from([2, 3, 1, -1, -2, 0])
_FLOAT_POWERS = st.sampled_from([0.5, -0.5, 1.5, 2.5, -1.5])

OPS: tuple[GateSpec, ...] = (
    _op("value_add", "__add__", "a + b", "a + b", a=_LEAF, b=_LEAF),
    _op("value_add_number", "__add__[number]", "a + k", "a + k, k a number", a=_LEAF, k=_NUMBER),
    _op("value_radd", "__radd__", "k + a", "k + a, k a number", a=_LEAF, k=_NUMBER),
    _op("value_mul", "__mul__", "a * b", "a * b", a=_LEAF, b=_LEAF),
    _op("value_mul_number", "__mul__[number]", "a * k", "a * k, k a number", a=_LEAF, k=_NUMBER),
    _op("value_rmul", "__rmul__", "k * a", "k * a, k a number", a=_LEAF, k=_NUMBER),
    _op("value_sub", "__sub__", "a - b", "a - b", a=_LEAF, b=_LEAF),
    _op("value_sub_number", "__sub__[number]", "a - k", "a - k, k a number", a=_LEAF, k=_NUMBER),
    _op("value_rsub", "__rsub__", "k - a", "k - a, k a number", a=_LEAF, k=_NUMBER),
    _op("value_truediv", "__truediv__", "a / b", "a / b, b off 0", a=_LEAF, b=_OFF_ZERO),
    _op("value_truediv_number", "__truediv__[number]", "a / k", "a / k, k a number off 0", a=_LEAF, k=_NONZERO),
    _op("value_rtruediv", "__rtruediv__", "k / a", "k / a, k a number, a off 0", a=_OFF_ZERO, k=_NUMBER),
    _op("value_neg", "__neg__", "-a", "-a", a=_LEAF),
    _entry("value_pow_int", "__pow__[int]", ("out = a ** n",), "a ** n, n an int in -2..3, a off 0",
           {"a": _OFF_ZERO, "n": Fixed(lambda s, rng: s["n"])}, {"n": _INT_POWERS}),  # fmt: skip
    _entry("value_pow_float", "__pow__[float]", ("out = a ** p",), "a ** p, p a float, a > 0",
           {"a": _POSITIVE, "p": Fixed(lambda s, rng: s["p"])}, {"p": _FLOAT_POWERS}),  # fmt: skip
    _op("value_relu", "relu", "a.relu()", "relu(a), a off the kink at 0", a=_OFF_ZERO),
    _op("value_tanh", "tanh", "a.tanh()", "tanh(a)", a=_LEAF),
    _op("value_exp", "exp", "a.exp()", "exp(a)", a=_LEAF),
    # beyond the lecture's: operations students add for their own nets (a logistic output, a log loss)
    _op("value_sigmoid", "sigmoid", "a.sigmoid()", "sigmoid(a)", optional=True, a=_LEAF),
    _op("value_log", "log", "a.log()", "log(a), a > 0", optional=True, a=_POSITIVE),
)

# A value used twice or more: each use adds to its grad (`+=`), and the backward of a node runs
# only after every node that uses it (topological order).
SHARED: tuple[GateSpec, ...] = (
    _entry("value_add_self", "backward[a+a]", ("out = a + a",), "a + a: grad 2", {"a": _LEAF}),
    _entry("value_mul_self", "backward[a*a]", ("out = a * a",), "a * a: grad 2a", {"a": _LEAF}),
    _entry("value_shared", "backward[b=a*c;a+b]", ("b = a * c", "out = a + b"), "b = a * c; a + b", {"a": _LEAF, "c": _LEAF}),
    _entry("value_pow_shared", "backward[a**2+a]", ("t = a ** 2", "out = t + a"), "a ** 2 + a", {"a": _LEAF}),
    _entry("value_relu_shared", "backward[a.relu()*a]", ("out = a.relu() * a",), "relu(a) * a", {"a": _OFF_ZERO}),
    _entry("value_tanh_shared", "backward[a.tanh()*a]", ("out = a.tanh() * a",), "tanh(a) * a", {"a": _LEAF}),
    _entry("value_exp_shared", "backward[a.exp()*a]", ("out = a.exp() * a",), "exp(a) * a", {"a": _LEAF}),
    _entry("value_diamond", "backward[t=a*b;t*(t+c)]", ("t = a * b", "u = t + c", "out = t * u"),
           "t = a * b; t * (t + c): t is used twice", {"a": _LEAF, "b": _LEAF, "c": _LEAF}),  # fmt: skip
)

# ---- random expression graphs

_BOUND = 4.0  # the magnitude a leaf is taken to have (standard normal draws)
_LIMIT = 30.0  # the magnitude a node may reach; a product or power that would pass it is not drawn
_CORE = ("__add__", "__radd__", "__mul__", "__rmul__", "__sub__", "__neg__", "__truediv__", "__pow__")


def _squashed(name: str, bound: float) -> str:
    """tanh's and exp's argument: scaled into a leaf's magnitude (by its bound), where tanh's slope
    and exp's value stay well inside float64 for any correct formula."""
    return name if bound <= _BOUND else f"({name} * {_BOUND / bound:.3g})"


def _graph_program(unary: tuple[str, ...]) -> Callable[[Sizes, np.random.Generator], tuple[str, ...]]:
    """A random graph on x[0..leaves-1] of `ops` statements (the last is `out`), each from the core
    operators or `unary`; an operand is half the time the newest node (depth), else any earlier one, leaves
    included (shared subexpressions). Magnitudes are kept below _LIMIT by construction: a divisor is
    b * b + 1, and products or powers past the limit are not drawn."""

    def build(s: Sizes, rng: np.random.Generator) -> tuple[str, ...]:
        names = [f"x[{i}]" for i in range(s["leaves"])]
        bound = dict.fromkeys(names, _BOUND)
        lines: list[str] = []
        for i in range(s["ops"]):
            a = names[-1] if rng.random() < 0.5 else names[int(rng.integers(len(names)))]
            b = names[int(rng.integers(len(names)))]
            k = float(np.round(rng.uniform(-2, 2), 2)) or 0.5
            ba, bb = bound[a], bound[b]
            choices: list[tuple[str, float]] = [
                (f"{a} + {b}", ba + bb), (f"{a} - {b}", ba + bb), (f"-{a}", ba),
                (f"{a} / ({b} * {b} + 1.0)", ba), (f"{k} + {a}", ba + abs(k)), (f"{a} + {k}", ba + abs(k)),
                (f"{k} * {a}", ba * abs(k)), (f"{a} * {k}", ba * abs(k)), (f"({a} * {a} + 1.0) ** 0.5", ba + 1),
            ]  # fmt: skip
            if ba * bb <= _LIMIT:
                choices.append((f"{a} * {b}", ba * bb))
            choices.extend((f"{a} ** {n}", ba**n) for n in (2, 3) if ba**n <= _LIMIT)
            # each unary op as likely as all binary ones with a number: a graph with one mostly has several
            if "relu" in unary:
                choices.extend([(f"{a}.relu()", ba)] * 3)
            if "tanh" in unary:
                choices.extend([(f"{_squashed(a, ba)}.tanh()", 1.0)] * 3)
            if "exp" in unary:
                choices.extend([(f"{_squashed(a, ba)}.exp()", float(np.exp(min(ba, _BOUND))))] * 3)
            line, size = choices[int(rng.integers(len(choices)))]
            target = "out" if i == s["ops"] - 1 else f"t{i}"
            lines.append(f"{target} = {line}")
            names.append(target)
            bound[target] = size
        return tuple(lines)

    return build


_GRAPH_SIZES = {"leaves": st.integers(1, 4), "ops": st.integers(2, 12)}


def _graph(name: str, label: str, unary: tuple[str, ...], summary: str) -> GateSpec:
    # With relu, the leaves stay off the grid: a leaf of exactly 0 puts relu on its kink, where
    # relu'(0) = 1 (data >= 0) and = 0 (data > 0) are both the course's, and where the graph around it
    # may be flat on both sides (relu((c - 2) * relu(x)) at x = 0), so no finite difference shows a kink.
    leaves = Array(("leaves",), grid="relu" not in unary)
    return _entry(name, label, (), summary, {"x": leaves}, _GRAPH_SIZES, _CORE + unary, Fixed(_graph_program(unary)))


GRAPHS: tuple[GateSpec, ...] = (
    _graph("value_graph", "backward[graph]", (), "random graphs of + - * / ** and numbers on either side"),
    _graph("value_graph_relu", "backward[graph,relu]", ("relu",), "random graphs with relu"),
    _graph("value_graph_tanh", "backward[graph,tanh,exp]", ("tanh", "exp"), "random graphs with tanh and exp"),
)

MICROGRAD: tuple[GateSpec, ...] = OPS + SHARED + GRAPHS
