"""The expressions of scalar-engine entries: a few Python statements (`t = a * b`, `out = t.tanh()`)
run by one small interpreter on the student's Values (checks.scalar_engine) and on float64 tensors
(the registry's references), so both compute the same expression by the same operators: a number
on the left of `*` calls the Value's `__rmul__`, `-t` its `__neg__`, `t.tanh()` its `tanh`.

Only assignments `name = expression` of numbers, names, `x[0]` (an entry of a leaf list), the
operators + - * / **, unary minus and argument-free method calls; anything else is refused.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .conventions import SCALAR_METHODS

_BINARY: Mapping[type, tuple[Callable[[Any, Any], Any], str]] = {
    ast.Add: (operator.add, "add"), ast.Sub: (operator.sub, "sub"), ast.Mult: (operator.mul, "mul"),
    ast.Div: (operator.truediv, "truediv"), ast.Pow: (operator.pow, "pow"),
}  # fmt: skip

# call(fn, args, what): how evaluate applies one operation; `what` names the method it calls.
Call = Callable[[Callable[..., Any], tuple[Any, ...], str], Any]


def _plain(fn: Callable[..., Any], args: tuple[Any, ...], what: str) -> Any:
    return fn(*args)


@functools.lru_cache(maxsize=4096)
def _parse(program: tuple[str, ...]) -> tuple[tuple[str, ast.expr], ...]:
    statements = []
    for line in program:
        (node,) = ast.parse(line).body
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise ValueError(f"an expression statement is `name = expression`, got {line!r}")
        statements.append((node.targets[0].id, node.value))
    return tuple(statements)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _eval(node: ast.expr, values: Mapping[str, Any], call: Call) -> Any:
    if isinstance(node, ast.Constant) and _number(node.value):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return _eval(node.value, values, call)[node.slice.value]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        if isinstance(node.operand, ast.Constant) and _number(node.operand.value):
            return -node.operand.value  # a negative literal, not an operation
        return call(operator.neg, (_eval(node.operand, values, call),), "__neg__")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        fn, name = _BINARY[type(node.op)]
        left, right = _eval(node.left, values, call), _eval(node.right, values, call)
        return call(fn, (left, right), f"__r{name}__" if _number(left) else f"__{name}__")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args and not node.keywords:
        return call(operator.methodcaller(node.func.attr), (_eval(node.func.value, values, call),), node.func.attr)
    raise ValueError(f"not an expression of a scalar engine: {ast.unparse(node)}")


def evaluate(program: Sequence[str], env: Mapping[str, Any], call: Call = _plain) -> Any:
    """Run the statements on `env` (leaves, numbers, exponents); the value of the last one.
    Operators, negation and argument-free method calls (`t.tanh()`) only; `x[0]` indexes a leaf list."""
    values = dict(env)
    target = ""
    for target, expr in _parse(tuple(program)):
        values[target] = _eval(expr, values, call)
    return values[target]


def methods_used(program: Sequence[str], numbers: Sequence[str] = ()) -> tuple[str, ...]:
    """The methods of SCALAR_METHODS an expression calls, in first-use order, where `numbers` name
    its plain-number inputs (`k * a` calls __rmul__) and every other free name is a Value."""
    used: list[str] = []

    def note(fn: Callable[..., Any], args: tuple[Any, ...], what: str) -> Any:
        if what not in used:
            used.append(what)
        return _Any()

    names = {t for t, _ in _parse(tuple(program))}
    env: dict[str, Any] = {n: _Any() for n in _free(program) - names}
    env.update({n: 1.0 for n in numbers})
    evaluate(program, env, note)
    return tuple(m for m in used if m in SCALAR_METHODS)


class _Any:
    """A stand-in for a Value or a leaf list while only the calls are read."""

    def __getitem__(self, index: int) -> _Any:
        return self


def _free(program: Sequence[str]) -> set[str]:
    return {n.id for _, expr in _parse(tuple(program)) for n in ast.walk(expr) if isinstance(n, ast.Name)}
