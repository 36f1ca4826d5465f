"""One calling interface over the student conventions: forward(args) -> (out, state) and
backward(dout, state) -> one gradient per differentiable input.

Each adapter knows only its convention (layer pair, gate class, loss function, model), never a gate.
Whatever breaks the convention (a forward that does not return (out, cache), a backward with the
wrong number of gradients) raises `StudentError` with what was expected and what came back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import inspect

import numpy as np

from .conventions import Convention, Option, Steps
from .guard import Guard, NotImplementedYet, OwnDesign, StudentError
from .param_names import renamed
from .planned import Call
from .tensor_calls import device_keyword, from_tensor, is_tensor, to_tensor


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"tuple of {len(value)}"
    return type(value).__name__


describe = _kind  # what a value is, for messages ("array of shape (3, 2)", "tuple of 2")


def as_array(value: Any, what: str) -> np.ndarray:
    """A numeric result as float64; anything else is a contract violation (`return NotImplemented`,
    CMU 11-785's later templates, is the template: not implemented)."""
    if value is NotImplemented:
        raise NotImplementedYet(f"not implemented: {what} returns NotImplemented")
    if isinstance(value, np.ndarray) and value.dtype == object:
        if all(v is None for v in value.flat):  # DLS's `cost = None` ... `cost = np.squeeze(cost)`
            raise NotImplementedYet(f"not implemented: {what} is an array of the template's None")
        raise StudentError(f"{what} should be a numeric array, got an array of dtype object of shape {value.shape}")
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        return np.array(value, dtype=np.float64)  # a copy, and a plain array: np.matrix's * and ** are matrix products
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.float64)
    raise StudentError(f"{what} should be a numpy array or a number, got {_kind(value)}")


def scaled(dout: np.ndarray, grads: Sequence[Any]) -> tuple[Any, ...]:
    """A loss's gradients times the upstream gradient the battery gives its output: arrays and plain
    numbers alike (DLS's 2017 template has a one-unit layer's db as a float); anything else is left
    for the contract check to name."""
    return tuple(dout * g if isinstance(g, (np.ndarray, int, float, np.number)) and not isinstance(g, bool) else g for g in grads)


def grads_tuple(value: Any, count: int, what: str, names: Sequence[str] = ()) -> tuple[Any, ...]:
    """A backward result as a tuple of `count` gradients (a lone array when count is 1). None where
    a gradient belongs is the course's template (`dx, dw, db = None, None, None`): not implemented."""
    if value is None or value is NotImplemented:
        alone = f" for d{names[0]}" if count == 1 and names else ""
        raise NotImplementedYet(f"not implemented: {what} returns {value}{alone}")
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


def _name(fn: Callable[..., Any]) -> str:
    """How a function is named in messages: a static method with its class (Linear.forward)."""
    qualname = getattr(fn, "__qualname__", "") or ""
    return qualname if qualname.count(".") == 1 and "<" not in qualname else getattr(fn, "__name__", "function")


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

    def option(self, sizes: Mapping[str, Any]) -> Option | None: ...
    @property
    def backward_args(self) -> tuple[str, ...]: ...

    @property
    def steps(self) -> Steps | None: ...

    @property
    def tensors(self) -> bool: ...


@dataclass
class Adapter:
    """A student implementation bound to a spec and a guard."""

    spec: Binding
    guard: Guard
    # Notes for advisories, as (AdvisoryKind value, about, message), one per (kind, about): a model
    # parameter kept in another shape than the course's ("" about: a note on its own, the first one
    # kept). Plain tuples, to cross the sandbox's wire.
    notes: list[tuple[str, str, str]] = field(default_factory=list, init=False)

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def outputs(self, many: Sequence[Mapping[str, Any]], sizes: Mapping[str, Any]) -> list[np.ndarray]:
        """The outputs of one forward per argument set, in order (finite differences' evaluations);
        the sandbox answers them in one round trip."""
        return [self.forward(args, sizes)[0] for args in many]

    def expect(self, sizes: Mapping[str, Any], calls: Sequence[Call]) -> None:
        """The calls the battery makes next on this example, in order (checks.planned): in process
        each is simply made when it comes; the sandbox makes them in one round trip."""

    @property
    def tensors(self) -> bool:
        """Whether the student's code takes and returns torch tensors (UMich EECS 498)."""
        return bool(getattr(self.spec, "tensors", False))

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call student code, converting for a torch-tensor convention (arrays in as tensors, a
        `device` parameter given the CPU); results are converted by `result`."""
        if not self.tensors:
            return self.guard.call(fn, *args)
        # a param dict's arrays (batchnorm's running statistics) as tensors while the student's code
        # runs, and what it leaves there read back as arrays, for the battery to compare
        dicts = [a for a in args if isinstance(a, dict)]
        for d in dicts:
            d.update({k: to_tensor(v) for k, v in d.items() if isinstance(v, np.ndarray)})
        try:
            args = tuple(to_tensor(a) for a in args)
            return self.guard.call(fn, *args, **device_keyword(fn, len(args)))
        finally:
            for d in dicts:
                d.update({k: v.detach().cpu().numpy() for k, v in d.items() if is_tensor(v)})

    def result(self, value: Any, what: str) -> Any:
        """A value the student's code returned, as an array where the convention is tensors."""
        return from_tensor(value, what) if self.tensors else value

    def observed(self, state: Any) -> Mapping[str, np.ndarray]:
        """What the forward drew itself that the reference needs (a dropout mask); none by default."""
        return {}

    def printed(self) -> str:
        """What the student's code printed while being checked (truncated)."""
        return self.guard.output.text

    def noted(self) -> list[tuple[str, str, str]]:
        return list(self.notes)

    def note(self, kind: str, about: str, message: str, replace: bool = False) -> None:
        """Keep the first note of a kind about one thing (or, with `replace`, the latest)."""
        for n, (k, a, _) in enumerate(self.notes):
            if (k, a) == (kind, about):
                if replace:
                    self.notes[n] = (kind, about, message)
                return
        self.notes.append((kind, about, message))


@dataclass
class LayerPair(Adapter):
    """NAME_forward(*inputs) -> (out, cache), NAME_backward(dout, cache, *backward_args): the spec's
    `backward_args` name inputs the backward takes again (DLS's `activation`). With k > 1 outputs
    (lstm_step: next_h, next_c) the forward returns (out1, ..., outk, cache) and the backward takes
    (dout1, ..., doutk, cache): the battery sees one output, the outputs flattened and concatenated."""

    forward_fn: Callable[..., Any] = None  # type: ignore[assignment]
    backward_fn: Callable[..., Any] = None  # type: ignore[assignment]

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        name = _name(self.forward_fn)
        count = self.spec.outputs
        outs = "out" if count == 1 else ", ".join(f"out{i + 1}" for i in range(count))
        result = self.call(self.forward_fn, *args.values())
        if result is None:
            raise NotImplementedYet(f"not implemented: {name} returns None")
        if not (isinstance(result, tuple) and len(result) == count + 1):
            raise StudentError(f"{name} should return ({outs}, cache), got {_kind(result)}")
        labels = outs.split(", ")
        if any(o is None for o in result[:-1]):
            none = ", ".join(lb for lb, o in zip(labels, result[:-1], strict=True) if o is None)
            raise NotImplementedYet(f"not implemented: {name} returns None for {none}")
        arrays = [as_array(self.result(o, f"{name}'s {lb}"), f"{name}'s {lb}") for lb, o in zip(labels, result[:-1], strict=True)]
        extra = tuple(args[k] for k in self.spec.backward_args)
        state = _PairState(result[-1], tuple(a.shape for a in arrays), _present(self.spec, args), extra)
        out = arrays[0] if count == 1 else np.concatenate([a.ravel() for a in arrays])
        return out, state

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        name = _name(self.backward_fn)
        if len(state.shapes) == 1:
            douts = [dout]
        else:  # views into dout, so that an in-place change still shows as one
            ends = np.cumsum([int(np.prod(s)) for s in state.shapes])
            douts = [p.reshape(s) for p, s in zip(np.split(dout.reshape(-1), ends[:-1]), state.shapes, strict=True)]
        if self.tensors:
            douts = [to_tensor(d) for d in douts]
            extra = tuple(to_tensor(e) for e in state.extra)
            result = self.guard.call(self.backward_fn, *douts, state.cache, *extra)
        else:
            result = self.guard.call(self.backward_fn, *douts, state.cache, *state.extra)
        grads = grads_tuple(result, len(state.names), name, state.names)
        return tuple(self.result(g, f"{name}'s d{n}") for g, n in zip(grads, state.names, strict=True))


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
        result = self.call(self.fn, *args.values())
        if result is None:
            raise NotImplementedYet(f"not implemented: {name} returns None")
        if isinstance(result, (int, float, np.number)) or (isinstance(result, np.ndarray) and result.ndim == 0):
            # a loss alone, as CMU 10-714 hw0's softmax_loss(Z, y) is meant to be: no gradient to check
            raise OwnDesign(f"returns the loss alone ({_kind(result)}), with no gradient to check (gradgate's {name} entries return (loss, gradient))")
        if not (isinstance(result, tuple) and len(result) == 2):
            raise StudentError(f"{name} should return (loss, gradient), got {_kind(result)}")
        if result[0] is None:
            raise NotImplementedYet(f"not implemented: {name} returns None for the loss")
        names = _present(self.spec, args)
        grads = grads_tuple(result[1], len(names), name, names)
        grads = tuple(self.result(g, f"{name}'s d{n}") for g, n in zip(grads, names, strict=True))
        return as_array(self.result(result[0], f"{name}'s loss"), f"{name}'s loss"), grads

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        return scaled(dout, state)


PARAMETER_SHAPE = "parameter_shape"  # results.AdvisoryKind.PARAMETER_SHAPE (results is not loaded in the sandbox)
PARAMETER_NAME = "parameter_name"  # results.AdvisoryKind.PARAMETER_NAME


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


def _fits(shape: Sequence[int], course: Sequence[int]) -> bool:
    """Whether an array of `shape` holds what the course keeps as `course`: the same, or a reshape
    that only adds or drops axes of size 1 ((1, D) for (D,))."""
    shape, course = tuple(shape), tuple(course)
    return shape == course or (int(np.prod(shape)) == int(np.prod(course)) and _squeezed(shape) == _squeezed(course))


@dataclass
class Model(Adapter):
    """cls(**construct), then .loss(*rest) -> (loss, grads), on the parameters its own constructor
    makes: gradgate's values are written into the student's arrays (their shapes; float64), the keys
    the spec does not know are left as constructed. A parameter kept as (1, D) where the course has
    (D,) is the same parameter, noted for an advisory; its gradient must then be (1, D) too."""

    cls: type = None  # type: ignore[assignment]
    _shown: dict[str, int] = field(default_factory=dict, init=False)  # the size each shape note was made at
    _constructor: inspect.Signature | None = field(default=None, init=False)  # read once, not on every forward

    def _signature(self) -> inspect.Signature:
        if self._constructor is None:
            self._constructor = inspect.signature(self.cls)
        return self._constructor

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        name = self.cls.__name__
        kwargs = dict(self.spec.construct(sizes) if self.spec.construct else {})
        try:
            self._signature().bind(**kwargs)
        except TypeError:  # a constructor of the student's own design: the course's cannot call it
            own = self._signature().replace(return_annotation=inspect.Signature.empty)
            raise OwnDesign(f"has a constructor {name}{own} that the course's call {name}({', '.join(kwargs)}) does not fit") from None
        except ValueError:
            pass  # no signature to read (a builtin): the call itself says
        model = self.guard.call(self.cls, **kwargs)
        params = getattr(model, "params", None)
        if not isinstance(params, dict):
            raise StudentError(f"{name}() should set self.params to a dict, got {_kind(params)}")
        diff = _present(self.spec, args)
        if not params and diff:
            raise NotImplementedYet(f"not implemented: {name}() leaves self.params empty")
        missing = [k for k in diff if k not in params]
        names = {k: k for k in diff}  # the course's key -> the student's
        mapping = renamed(params, diff, lambda theirs, course: _fits(getattr(params[theirs], "shape", ()), np.shape(args[course]))) if missing else None
        if mapping is not None:  # W0 .. W{L-1}, or Conv1.w, BN2.gamma, Linear3.w: the same parameters, numbered their way
            names, missing = dict(mapping), []
            pairs = ", ".join(f"{s} as {c}" for c, s in list(mapping.items())[:6])
            self.note(PARAMETER_NAME, "", f"{name}().params names its parameters its own way: read by their order ({pairs}{', ...' if len(mapping) > 6 else ''})")
        if missing and len(missing) == len(diff) and not any(isinstance(k, str) and k in self.spec.differentiable for k in params):
            # A naming of the student's own ({('W', 0): ...}): which is the course's W1 cannot be known.
            raise OwnDesign(
                f"names its parameters {', '.join(map(repr, list(params)[:6]))} where the course has "
                f"{', '.join(diff)}: which is which cannot be told"
            )
        if missing:
            option = self.spec.option(sizes)
            if option is not None and set(missing) <= set(option.added):
                raise NotImplementedYet(
                    f"not implemented: {option.words}: {name}() makes no {', '.join(missing)} in self.params "
                    f"(it has {', '.join(map(str, params))})"
                )
            extra = [k for k in params if k not in self.spec.differentiable]
            if extra:
                # Some of its own names (W1, b1, ... W_final): the course's checks and Solver go by
                # whatever keys params has, so this is no error; which is the course's W2 cannot be told.
                raise OwnDesign(
                    f"names some of its parameters its own way ({', '.join(map(repr, extra[:6]))} where the course has "
                    f"{', '.join(missing)}): which is which cannot be told"
                )
            raise StudentError(f"{name}().params has no {', '.join(missing)} (it has {', '.join(map(str, params))})")
        shapes = {key: self._place(params, names[key], args[key], kwargs) for key in diff}
        data = [v for k, v in args.items() if k not in self.spec.differentiable]
        result = self.call(model.loss, *data)  # X and y as tensors for a torch model
        if result is None:
            raise NotImplementedYet(f"not implemented: {name}.loss returns None")
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            raise StudentError(f"{name}.loss should return (loss, grads dict), got {_kind(result)}")
        if result[0] is None:
            raise NotImplementedYet(f"not implemented: {name}.loss returns None for the loss")
        grads = result[1]
        if not grads and diff:
            raise NotImplementedYet(f"not implemented: {name}.loss returns no gradients (grads is empty)")
        absent = [names[k] for k in diff if names[k] not in grads]
        if absent:
            raise StudentError(f"{name}.loss's grads has no {', '.join(absent)}")
        returned = grads_tuple(tuple(grads[names[k]] for k in diff), len(diff), f"{name}.loss", [names[k] for k in diff])
        shaped = []
        for key, g in zip(diff, returned, strict=True):
            g = self.result(g, f"{name}.loss's grads[{names[key]!r}]")
            course = np.shape(args[key])
            if shapes[key] != course and isinstance(g, np.ndarray):
                # The student's own shape: a gradient has its parameter's, then compared as the course's.
                if g.shape != shapes[key] and _fits(g.shape, shapes[key]):
                    # (F,) for a (1, F) parameter: the course's own conv layers give such a db, and its
                    # Solver's updates broadcast it; compared as the parameter's
                    self.note(PARAMETER_SHAPE, f"d{key}", f"grads[{names[key]!r}] has shape {g.shape} where params[{names[key]!r}] has {shapes[key]}")
                    g = g.reshape(shapes[key])
                if g.shape != shapes[key]:
                    raise StudentError(
                        f"grads[{names[key]!r}] has shape {g.shape} but params[{names[key]!r}] has shape {shapes[key]}: "
                        "a gradient has the shape of its parameter"
                    )
                g = g.reshape(course)
            shaped.append(g)
        return as_array(self.result(result[0], f"{name}.loss"), f"{name}.loss"), tuple(shaped)

    def _place(self, params: dict[Any, Any], key: str, value: np.ndarray, kwargs: Mapping[str, Any]) -> tuple[int, ...]:
        """Write gradgate's values for `key` into the student's parameter; its shape."""
        name = self.cls.__name__
        have = params[key]
        if self.tensors:  # UMich EECS 498: the student's tensor gets a float64 CPU tensor sharing value's memory
            if not is_tensor(have):
                raise StudentError(f"{name}().params[{key!r}] should be a torch tensor, got {_kind(have)}")
            shape = tuple(have.shape)
            if not _fits(shape, value.shape):
                raise StudentError(f"{name}().params[{key!r}] has shape {shape} where the course has {value.shape}")
            params[key] = to_tensor(value.reshape(shape))
            return shape
        if not isinstance(have, np.ndarray):
            raise StudentError(f"{name}().params[{key!r}] should be a numpy array, got {_kind(have)}")
        if have.dtype != np.float64 and kwargs.get("dtype") is np.float64:
            # Checked in float64 all the same: the course's gradient checks ask for dtype=np.float64,
            # and at float32 no finite difference could tell a right gradient from a wrong one.
            self.note(PARAMETER_SHAPE, "", f"params[{key!r}] is {have.dtype} although the constructor was given dtype=np.float64 (checked in float64)")
        if have.shape == value.shape:
            params[key] = value  # the argument itself: a loss that changes it in place shows as such
            return value.shape
        if not _fits(have.shape, value.shape):
            raise StudentError(f"{name}().params[{key!r}] has shape {have.shape} where the course has {value.shape}")
        params[key] = value.reshape(have.shape)  # a view: an in-place change still shows
        # the largest example says it best: (1, 3) for (3,), not (1, 1) for (1,)
        self.note(PARAMETER_SHAPE, key, f"params[{key!r}] has shape {have.shape} where the course has {value.shape}",
                  replace=value.size > self._shown.get(key, 0))  # fmt: skip
        self._shown[key] = max(value.size, self._shown.get(key, 0))
        return have.shape

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        return scaled(dout, state)


from .functions import Functions  # (imported here: they build on Adapter above)
from .scalar_engine import ScalarEngine
from .tensor_op import NeedleOp
from .nn_module import NeedleModule
from .stateful import StatefulClass

ADAPTERS: Mapping[Convention, type[Adapter]] = {
    Convention.LAYER_PAIR: LayerPair,
    Convention.GATE_CLASS: GateClass,
    Convention.LOSS_FUNCTION: LossFunction,
    Convention.MODEL: Model,
    Convention.FUNCTIONS: Functions,
    Convention.SCALAR_ENGINE: ScalarEngine,
    Convention.TENSOR_OP: NeedleOp,
    Convention.NN_MODULE: NeedleModule,
    Convention.STATEFUL: StatefulClass,
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
        ScalarEngine: ("cls",),
        NeedleOp: ("cls",),
        NeedleModule: ("cls",),
        StatefulClass: ("cls",),
    }[adapter]
    return adapter(spec, guard, **dict(zip(fields, objects, strict=True)))
