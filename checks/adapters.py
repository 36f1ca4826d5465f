"""One calling interface over the student conventions: forward(args) -> (out, state) and
backward(dout, state) -> one gradient per differentiable input.

Each adapter knows only its convention (layer pair, gate class, loss function, model), never a gate.
Whatever breaks the convention (a forward that does not return (out, cache), a backward with the
wrong number of gradients) raises `StudentError` with what was expected and what came back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .conventions import Convention, Steps
from .guard import Guard, NotImplementedYet, StudentError


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"tuple of {len(value)}"
    return type(value).__name__


describe = _kind  # what a value is, for messages ("array of shape (3, 2)", "tuple of 2")


def as_array(value: Any, what: str) -> np.ndarray:
    """A numeric result as float64; anything else is a contract violation."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        return value.astype(np.float64, copy=True)
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.float64)
    raise StudentError(f"{what} should be a numpy array or a number, got {_kind(value)}")


def grads_tuple(value: Any, count: int, what: str, names: Sequence[str] = ()) -> tuple[Any, ...]:
    """A backward result as a tuple of `count` gradients (a lone array when count is 1). None where
    a gradient belongs is the course's template (`dx, dw, db = None, None, None`): not implemented."""
    if value is None:
        alone = f" for d{names[0]}" if count == 1 and names else ""
        raise NotImplementedYet(f"not implemented: {what} returns None{alone}")
    if count == 1 and not isinstance(value, (tuple, list)):
        value = (value,)
    if not (isinstance(value, (tuple, list)) and len(value) == count):
        raise StudentError(f"{what} should return {count} gradient(s), got {_kind(value)}")
    missing = [f"d{n}" if n else f"gradient {i + 1}" for i, (g, n) in enumerate(zip(value, [*names, *[""] * count])) if g is None]
    if missing:
        raise NotImplementedYet(f"not implemented: {what} returns None for {', '.join(missing)}")
    return tuple(value)


def _present(spec: Binding, args: Mapping[str, Any]) -> tuple[str, ...]:
    """The differentiable inputs of this call (a spec's optional inputs may be absent)."""
    return tuple(k for k in spec.differentiable if k in args)


@dataclass
class _PairState:
    """A layer pair's cache, with what its backward needs to take the upstream gradient apart."""

    cache: Any
    shapes: tuple[tuple[int, ...], ...]
    names: tuple[str, ...]
    extra: tuple[Any, ...] = ()  # the spec's `backward_args`, as this forward got them


class Binding(Protocol):
    """What an adapter needs of a spec (a GateSpec, or its stand-in in the sandbox's child)."""

    @property
    def differentiable(self) -> tuple[str, ...]: ...

    @property
    def construct(self) -> Callable[[Mapping[str, Any]], Mapping[str, Any]] | None: ...

    @property
    def outputs(self) -> int: ...

    @property
    def backward_args(self) -> tuple[str, ...]: ...

    @property
    def steps(self) -> Steps | None: ...


@dataclass
class Adapter:
    """A student implementation bound to a spec and a guard."""

    spec: Binding
    guard: Guard

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def observed(self, state: Any) -> Mapping[str, np.ndarray]:
        """What the forward drew itself that the reference needs (a dropout mask); none by default."""
        return {}

    def printed(self) -> str:
        """What the student's code printed while being checked (truncated)."""
        return self.guard.output.text


@dataclass
class LayerPair(Adapter):
    """NAME_forward(*inputs) -> (out, cache), NAME_backward(dout, cache, *backward_args): the spec's
    `backward_args` name inputs the backward takes again (DLS's `activation`). With k > 1 outputs
    (lstm_step: next_h, next_c) the forward returns (out1, ..., outk, cache) and the backward takes
    (dout1, ..., doutk, cache): the battery sees one output, the outputs flattened and concatenated."""

    forward_fn: Callable[..., Any] = None  # type: ignore[assignment]
    backward_fn: Callable[..., Any] = None  # type: ignore[assignment]

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        name = self.forward_fn.__name__
        count = self.spec.outputs
        outs = "out" if count == 1 else ", ".join(f"out{i + 1}" for i in range(count))
        result = self.guard.call(self.forward_fn, *args.values())
        if result is None:
            raise NotImplementedYet(f"not implemented: {name} returns None")
        if not (isinstance(result, tuple) and len(result) == count + 1):
            raise StudentError(f"{name} should return ({outs}, cache), got {_kind(result)}")
        labels = outs.split(", ")
        if any(o is None for o in result[:-1]):
            none = ", ".join(lb for lb, o in zip(labels, result[:-1], strict=True) if o is None)
            raise NotImplementedYet(f"not implemented: {name} returns None for {none}")
        arrays = [as_array(o, f"{name}'s {lb}") for lb, o in zip(labels, result[:-1], strict=True)]
        extra = tuple(args[k] for k in self.spec.backward_args)
        state = _PairState(result[-1], tuple(a.shape for a in arrays), _present(self.spec, args), extra)
        out = arrays[0] if count == 1 else np.concatenate([a.ravel() for a in arrays])
        return out, state

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        name = self.backward_fn.__name__
        if len(state.shapes) == 1:
            douts = [dout]
        else:  # views into dout, so that an in-place change still shows as one
            ends = np.cumsum([int(np.prod(s)) for s in state.shapes])
            douts = [p.reshape(s) for p, s in zip(np.split(dout.reshape(-1), ends[:-1]), state.shapes, strict=True)]
        result = self.guard.call(self.backward_fn, *douts, state.cache, *state.extra)
        return grads_tuple(result, len(state.names), name, state.names)


@dataclass
class GateClass(Adapter):
    cls: type = None  # type: ignore[assignment]

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        gate = self.guard.call(self.cls)
        out = self.guard.call(gate.forward, *args.values())
        if out is None:
            raise NotImplementedYet(f"not implemented: {self.cls.__name__}.forward returns None")
        return as_array(out, f"{self.cls.__name__}.forward"), gate

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        result = self.guard.call(state.backward, dout)
        names = self.spec.differentiable
        return grads_tuple(result, len(names), f"{self.cls.__name__}.backward", names)


@dataclass
class LossFunction(Adapter):
    """fn(*inputs) -> (loss, grad(s)); backward scales the returned gradients by dout."""

    fn: Callable[..., Any] = None  # type: ignore[assignment]

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        name = self.fn.__name__
        result = self.guard.call(self.fn, *args.values())
        if result is None:
            raise NotImplementedYet(f"not implemented: {name} returns None")
        if not (isinstance(result, tuple) and len(result) == 2):
            raise StudentError(f"{name} should return (loss, gradient), got {_kind(result)}")
        if result[0] is None:
            raise NotImplementedYet(f"not implemented: {name} returns None for the loss")
        names = _present(self.spec, args)
        grads = grads_tuple(result[1], len(names), name, names)
        return as_array(result[0], f"{name}'s loss"), grads

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        return tuple(dout * g if isinstance(g, np.ndarray) else g for g in state)


@dataclass
class Model(Adapter):
    """cls(**construct) with differentiable inputs set as .params; .loss(*rest) -> (loss, grads)."""

    cls: type = None  # type: ignore[assignment]

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        name = self.cls.__name__
        kwargs = dict(self.spec.construct(sizes) if self.spec.construct else {})
        model = self.guard.call(self.cls, **kwargs)
        params = getattr(model, "params", None)
        if not isinstance(params, dict):
            raise StudentError(f"{name}() should set self.params to a dict, got {_kind(params)}")
        diff = _present(self.spec, args)
        if not params and diff:
            raise NotImplementedYet(f"not implemented: {name}() leaves self.params empty")
        missing = [k for k in diff if k not in params]
        if missing:
            raise StudentError(f"{name}().params has no {', '.join(missing)} (it has {', '.join(params)})")
        for key in diff:
            params[key] = args[key]
        data = [v for k, v in args.items() if k not in self.spec.differentiable]
        result = self.guard.call(model.loss, *data)
        if result is None:
            raise NotImplementedYet(f"not implemented: {name}.loss returns None")
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise StudentError(f"{name}.loss should return (loss, grads dict), got {_kind(result)}")
        if result[0] is None:
            raise NotImplementedYet(f"not implemented: {name}.loss returns None for the loss")
        grads = result[1]
        if not grads and diff:
            raise NotImplementedYet(f"not implemented: {name}.loss returns no gradients (grads is empty)")
        absent = [k for k in diff if k not in grads]
        if absent:
            raise StudentError(f"{name}.loss's grads has no {', '.join(absent)}")
        return as_array(result[0], f"{name}.loss"), grads_tuple(tuple(grads[k] for k in diff), len(diff), f"{name}.loss", diff)

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        return tuple(dout * g if isinstance(g, np.ndarray) else g for g in state)


from .functions import Functions  # (imported here: it builds on Adapter above)

ADAPTERS: Mapping[Convention, type[Adapter]] = {
    Convention.LAYER_PAIR: LayerPair,
    Convention.GATE_CLASS: GateClass,
    Convention.LOSS_FUNCTION: LossFunction,
    Convention.MODEL: Model,
    Convention.FUNCTIONS: Functions,
}


def bind(spec: Binding, convention: Convention, guard: Guard, objects: Sequence[Any]) -> Adapter:
    """Bind the discovered objects (forward and backward functions, a class, a function)."""
    adapter = ADAPTERS[convention]
    fields = {
        LayerPair: ("forward_fn", "backward_fn"),
        GateClass: ("cls",),
        LossFunction: ("fn",),
        Model: ("cls",),
        Functions: ("fn",),
    }[adapter]
    return adapter(spec, guard, **dict(zip(fields, objects, strict=True)))
