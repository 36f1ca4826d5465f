"""Scalar autograd engines written as micrograd writes them: a `Value` class whose operators build a
graph (`data`, `grad`, `_prev`, `_op`, a `_backward` closure per node) and whose `backward()` sorts
it topologically, seeds its own grad with 1 and runs every node's `_backward` in reverse order.

Discovery tells such a class by its shape, not its name (`looks_like`): `data` and `grad`
attributes, a `backward` method and arithmetic dunders. One class implements many registry entries
(one per operation, a value used twice, random graphs): `split` makes one implementation of each,
named after the class and the operation (`Value.__mul__`), and an entry that calls an operation the
class does not define is not checked, saying which.

An entry's expression is a few Python statements (`t = a * b`, `out = t + a`), the input named
`EXPRESSION`: `evaluate` runs them on the student's Values here and on float64 tensors in the
registry's reference, so both compute the same expression by the same operators (a number on the
left calls `__rmul__`). Each forward builds the graph from fresh leaves and returns `out.data`; each
backward calls that graph's `out.backward()` once and reads every leaf's `grad` (once per graph:
micrograd accumulates into `grad`, so a second backward() would add to it; and a graph of `set`s
orders its nodes by id, so two graphs of one expression may sum in orders a rounding apart).
"""

from __future__ import annotations

import ast
import functools
import inspect
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .adapters import Adapter, describe
from .conventions import EXPRESSION, SCALAR_METHODS
from .expression import evaluate
from .guard import NotImplementedYet, StudentError
from .value_class import method_tree, spelling

if TYPE_CHECKING:
    from gradgate.gates.spec import GateSpec

    from .discover import Candidate

# ---- one implementation per entry

_CHECKED = "the arithmetic operators, " + ", ".join(m for m in SCALAR_METHODS if not m.startswith("_") and m != "backward")


def split(candidate: Candidate, specs: Sequence[GateSpec]) -> list[tuple[Candidate, tuple[GateSpec, ...] | str]]:
    """One implementation per scalar-engine entry, named after the class and the entry's label as
    the class spells it (Value.__mul__, Value.reLU), or why it is not checked (the class has no tanh);
    an optional entry's operation the class lacks is not listed. Then each operation of the class's
    own that no entry checks (Value.softplus), as not checked."""
    have = {m.lower(): m for m in candidate.methods or ()}
    out: list[tuple[Candidate, tuple[GateSpec, ...] | str]] = []
    checked: set[str] = set()
    for spec in specs:
        assert spec.ops is not None, f"{spec.name}: a scalar-engine entry declares its ops"
        checked.update(spec.ops.methods)
        missing = [m for m in spec.ops.methods if m.lower() not in have]
        if missing and spec.ops.optional:
            continue
        op, bracket, rest = spec.ops.label.partition("[")
        one = replace(candidate, name=spec.name, label=f"{candidate.label}.{have.get(op.lower(), op)}{bracket}{rest}")
        out.append((one, f"not checked: {candidate.label} has no {', '.join(missing)}" if missing else (spec,)))
    known = {m.lower() for m in checked} | {m.lower() for m in SCALAR_METHODS}
    for method in (m for m in candidate.methods or () if m.lower() not in known):
        one = replace(candidate, label=f"{candidate.label}.{method}")
        out.append((one, f"not checked: gradgate has no entry for a {candidate.label}.{method} operation (it checks {_CHECKED})"))
    return out


# ---- the adapter


def _stub(method: Any) -> bool:
    """Whether a method's body is only a docstring, `pass`, `...` or a raise (a template's), or
    cannot be read; a body that computes something and returns None forgot its return."""
    fn = method_tree(method)
    if fn is None:
        return True
    body = fn.body
    trivial = (ast.Pass, ast.Raise)
    return all(isinstance(n, trivial) or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


@functools.cache  # asked for every leaf of every example: read the signature once per class
def _asks_for_grad(cls: type) -> bool:
    """Whether the class's constructor takes `requires_grad` (Value(x, requires_grad=True))."""
    try:
        return "requires_grad" in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


@dataclass
class ScalarEngine(Adapter):
    """Leaves `cls(float)` for each entry of the differentiable inputs (one Value for a scalar, a
    list for a vector), plain floats for the others; the expression's `out.data` is the output and
    `dout *` each leaf's grad after `out.backward()` its gradient."""

    cls: type = None  # type: ignore[assignment]

    def _build(self, args: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
        # one guarded call for the leaves and the whole expression: an exception names the student's
        # line all the same, and a guard per operation would cost more than the operations
        return self.guard.call(self._graph, args)  # type: ignore[no-any-return]

    def _leaf(self, value: float) -> Any:
        if _asks_for_grad(self.cls):  # a torch-like engine tracks only leaves made so, as its own tests make them
            return self.cls(float(value), requires_grad=True)
        return self.cls(float(value))

    def _graph(self, args: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
        env: dict[str, Any] = {}
        for name, value in args.items():
            if name == EXPRESSION:
                continue
            leaf = name in self.spec.differentiable  # (arrays come back from the sandbox's wire as numbers)
            if leaf or isinstance(value, (np.ndarray, np.floating)):
                make = self._leaf if leaf else float
                env[name] = make(value) if np.ndim(value) == 0 else [make(v) for v in np.ravel(value)]
            else:
                env[name] = value  # an exponent as the registry draws it (an int stays an int)
        return env, evaluate(args[EXPRESSION], env, self._call)

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...], what: str) -> Any:
        spelled = spelling(self.cls, what) or what
        if spelled != what:  # the class's own spelling of a named operation (nanograd's reLU)
            fn, what = operator.methodcaller(spelled), spelled
        result = fn(*args)
        name = f"{self.cls.__name__}.{what}"
        if result is None:
            if _stub(getattr(self.cls, what, None)):
                raise NotImplementedYet(f"not implemented: {name} returns None")
            raise StudentError(f"{name} returns None: it builds its result but never returns it (a missing `return out`?)")
        if not hasattr(result, "data") or not hasattr(result, "backward"):
            raise StudentError(f"{name} should return a {self.cls.__name__}, got {describe(result)}")
        return result

    def _number(self, value: Any, what: str) -> float:
        if value is None:
            raise NotImplementedYet(f"not implemented: {what} is None")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise StudentError(f"{what} should be a number, got {describe(value)}") from None

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        env, out = self._build(args)
        data = self._number(out.data, f"the result's data ({self.cls.__name__}.data)")
        return np.asarray(data), _Graph(env, out)

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        if state.grads is None:  # once per graph: a second backward() would add to every grad
            self.guard.call(state.out.backward)
            state.grads = self._grads(state.env)
        return tuple(dout * g for g in state.grads)

    def _grads(self, env: Mapping[str, Any]) -> tuple[np.ndarray, ...]:
        name = self.cls.__name__
        grads = []
        for k in (k for k in self.spec.differentiable if k in env):
            leaves = env[k] if isinstance(env[k], list) else [env[k]]
            if not all(hasattr(v, "grad") for v in leaves):
                raise StudentError(f"a {name} made from a number has no grad after backward()")
            values = [self._number(v.grad, f"{name}.grad of {k} after backward()") for v in leaves]
            grads.append(np.array(values) if isinstance(env[k], list) else np.asarray(values[0]))
        return tuple(grads)


@dataclass
class _Graph:
    """One forward's graph: its leaves by input name, its output, and the leaves' grads once read."""

    env: dict[str, Any]
    out: Any
    grads: tuple[np.ndarray, ...] | None = None
