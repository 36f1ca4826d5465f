"""What a scalar autograd engine's class is (micrograd's `Value`, whatever it is called): its shape,
which the registry's operations it has, as it spells them, and which operations of its own no entry
checks. Read at discovery (checks.discover), by its methods' names and source, before any call."""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Sequence

from .conventions import SCALAR_METHODS


def _attributes(cls: type) -> set[str]:
    """Attribute names a class (or a base of its own) sets or declares: its __init__'s attribute
    names, class attributes, annotations (a dataclass's fields), slots."""
    names: set[str] = set()
    for klass in cls.__mro__[:-1]:
        names |= set(vars(klass)) | set(getattr(klass, "__annotations__", {}) or {})
        slots = getattr(klass, "__slots__", ())
        names |= {slots} if isinstance(slots, str) else set(slots or ())
        code = getattr(vars(klass).get("__init__"), "__code__", None)
        if code is not None:
            names |= set(code.co_names)
    return names


def looks_like_scalar_engine(cls: type) -> bool:
    """A scalar autograd engine: `data` and `grad`, `backward()`, and `+` and `*` of its own."""
    try:
        ops = all(callable(getattr(cls, m, None)) for m in ("backward", "__add__", "__mul__"))
        return ops and {"data", "grad"} <= _attributes(cls)
    except Exception:  # a class whose attributes cannot be read: not one
        return False


@functools.cache  # asked at every operation of every example
def spelling(cls: type, method: str) -> str | None:
    """How the class names one of SCALAR_METHODS: exactly, or for a named operation in another case
    if only one of its methods matches (`reLU`, `Tanh`); None if it has no such method."""
    if callable(getattr(cls, method, None)):
        return method
    if method.startswith("__"):
        return None
    matches = [m for m in dir(cls) if m.lower() == method and callable(getattr(cls, m, None))]
    return matches[0] if len(matches) == 1 else None


def method_tree(method: object) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """A method's syntax tree, read from its source; None where that cannot be read."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))  # type: ignore[arg-type]
    except (OSError, TypeError, SyntaxError):
        return None
    fn = tree.body[0] if tree.body else None
    return fn if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _makes_node(method: object) -> bool:
    """Whether a method builds a graph node: it sets the `_backward` of an object other than its own
    (`out._backward = _backward`; __init__'s `self._backward = lambda: None` does not count)."""
    fn = method_tree(method)
    if fn is None or not fn.args.args:
        return False
    own = fn.args.args[0].arg
    return any(
        isinstance(t, ast.Attribute) and t.attr == "_backward" and not (isinstance(t.value, ast.Name) and t.value.id == own)
        for node in ast.walk(fn) if isinstance(node, ast.Assign) for t in node.targets
    )  # fmt: skip


def scalar_methods(cls: type) -> tuple[str, ...]:
    """The class's methods of SCALAR_METHODS as it spells them, then its other methods that build a
    graph node (softplus, __abs__): operations gradgate has no entry for."""
    known = [s for s in (spelling(cls, m) for m in SCALAR_METHODS) if s]
    lowered = {m.lower() for m in known} | set(SCALAR_METHODS)
    others = []
    for name in dir(cls):
        if name.lower() in lowered or name in ("__init__", "__init_subclass__"):
            continue
        try:
            method = getattr(cls, name)
        except Exception:  # an attribute that raises when read: not an operation
            continue
        if inspect.isfunction(method) and _makes_node(method):
            others.append(name)
    return tuple(known + others)


def inherits_engine(cls: type, methods: Sequence[str]) -> bool:
    """A subclass of a scalar engine that defines none of its operations, `methods` (micrograd-style
    `Weight(Value)`, to tell parameters apart): the same operations as the class it derives from,
    checked there."""
    return any(looks_like_scalar_engine(b) for b in cls.__mro__[1:-1]) and not set(vars(cls)) & set(methods)
