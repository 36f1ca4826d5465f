"""Stateful classes as CMU 11-785's MyTorch writes them: `Linear(in_features, out_features)` whose
`forward(A)` keeps what its `backward(dLdZ)` needs and whose backward returns dLdA and leaves
`self.dLdW`, `self.dLdb` on the object; activations `forward(Z)` / `backward(dLdA)` (older years:
`backward()` returning dAdZ); losses `forward(A, Y)` / `backward()`; `BatchNorm1d.forward(Z)`.
Discovery of such classes and of the course year: checks.mytorch.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .adapters import PARAMETER_SHAPE, Adapter, as_array, describe
from .conventions import Stateful, Upstream
from .mytorch import OLD_HANDOUT
from .guard import NotImplementedYet, OwnDesign, StudentError


@dataclass
class StatefulClass(Adapter):
    """cls(*construct); the spec's params set on the object; forward(*the rest) -> out; backward
    per `Stateful.upstream`, its gradients: the returned one, then those left on the object."""

    cls: type = None  # type: ignore[assignment]
    _shown: dict[str, int] = field(default_factory=dict, init=False)  # the size each shape note was made at

    @property
    def how(self) -> Stateful:
        how = getattr(self.spec, "stateful", None)
        return how if how is not None else Stateful()

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        name = self.cls.__name__
        how = self.how
        construct = self.spec.construct(sizes) if self.spec.construct else {}
        # positionally (the course's order, any names), and initialisers by name as the autograder does
        obj = self.guard.call(self.cls, *construct.values(), **_initialisers(self.cls, len(construct)))
        for key, attribute in how.params.items():
            owner, _, last = attribute.rpartition(".")
            holder = _reach(obj, owner, name) if owner else obj
            if not hasattr(holder, last):
                # parameters of the student's own naming (gamma for BW): which is the course's cannot be known
                mine = ", ".join(k for k, v in getattr(holder, "__dict__", {}).items() if isinstance(v, np.ndarray))[:120]
                raise OwnDesign(f"names its parameters its own way: {name}() makes no self.{attribute}, which the course's autograder sets (it has {mine or 'no arrays'})")
            setattr(holder, last, args[key])  # the argument itself: a change in place shows as one
        rest = [v for k, v in args.items() if k not in how.params]
        out = self.guard.call(obj.forward, *rest)
        if out is None:
            raise NotImplementedYet(f"not implemented: {name}.forward returns None")
        return as_array(out, f"{name}.forward"), obj

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        name = self.cls.__name__
        how = self.how
        # Each backward starts from the stored gradients as the constructor left them: HW2P1's
        # template makes `self.dLdW = np.zeros(...)` there, and a backward that adds into it is right
        # for the course's one call per forward; a second call here must not see the first's sum.
        for attribute in how.stored.values():
            owner, _, last = attribute.rpartition(".")
            holder = _reach(state, owner, name, missing=None) if owner else state
            value = getattr(holder, last, None)
            if isinstance(value, np.ndarray):
                setattr(holder, last, np.zeros_like(value))
        if how.upstream is Upstream.GRADIENT:
            returned = self.guard.call(state.backward, dout)
        else:
            returned = self.guard.call(state.backward)
        if returned is None:
            raise NotImplementedYet(f"not implemented: {name}.backward returns None")
        first = as_array(returned, f"{name}.backward")
        if how.upstream is not Upstream.GRADIENT:  # dLdA of its own loss, or dAdZ: times the upstream
            if how.upstream is Upstream.DERIVATIVE and first.size != dout.size:
                raise StudentError(f"{name}.backward() should return dAdZ of the shape of Z {dout.shape}, got {describe(returned)}")
            first = dout * (first.reshape(dout.shape) if how.upstream is Upstream.DERIVATIVE else first)
        grads: dict[str, Any] = {}
        for key, attribute in how.stored.items():
            grads[key] = self._stored(state, key, attribute)
        returns = [k for k in self.spec.differentiable if k not in how.stored]
        grads.update(dict.fromkeys(returns[:1], first))
        return tuple(grads[k] for k in self.spec.differentiable)

    def _stored(self, obj: Any, key: str, attribute: str) -> np.ndarray:
        """The gradient left on the object, in its parameter's shape: (C,) for the course's (1, C) is
        the same gradient (the course's np.allclose broadcasts it), noted for an advisory."""
        name = self.cls.__name__
        value = _reach(obj, attribute, name, missing=None)
        if value is None:
            older = attribute.replace("dLd", "d")  # dLdW -> dW
            if older != attribute and isinstance(_reach(obj, older, name, missing=None), np.ndarray):
                raise OwnDesign(f"leaves self.{older} where the course now has self.{attribute}: {OLD_HANDOUT}")
            raise NotImplementedYet(f"not implemented: {name}.backward leaves no self.{attribute}")
        grad = as_array(value, f"{name}.{attribute}")
        shape = np.shape(_reach(obj, self.how.params[key], name, missing=None)) if key in self.how.params else ()
        if grad.shape != shape and grad.size == int(np.prod(shape)) and tuple(d for d in grad.shape if d != 1) == tuple(d for d in shape if d != 1):
            # the largest example says it best: (3,) for (1, 3), not (1,) for (1, 1)
            self.note(PARAMETER_SHAPE, attribute, f"self.{attribute} has shape {grad.shape} where its parameter has {shape}",
                      replace=grad.size > self._shown.get(attribute, 0))  # fmt: skip
            self._shown[attribute] = max(grad.size, self._shown.get(attribute, 0))
            grad = grad.reshape(shape)
        return grad


_REQUIRED = object()


def _reach(obj: Any, path: str, name: str, missing: Any = _REQUIRED) -> Any:
    """obj.a.b for the path "a.b" (HW2P1's Conv1d keeps its W on `self.conv1d_stride1`); a part the
    object does not have is `missing`, or, where required, the student's error naming it."""
    parts = path.split(".")
    for n, part in enumerate(parts):
        if not hasattr(obj, part):
            if missing is _REQUIRED:
                raise StudentError(f"{name}() has no self.{path}, where the course's autograder reads it")
            return missing
        obj = getattr(obj, part)
        if obj is None and missing is _REQUIRED:  # the template's `self.conv1d_stride1 = None  # TODO`
            raise NotImplementedYet(f"not implemented: {name}() leaves self.{'.'.join(parts[: n + 1])} None")
    return obj


INITIALISER = "_init_fn"  # HW2P1's weight_init_fn, bias_init_fn: the course's autograder passes functions there


def _zeros(*shape: int) -> np.ndarray:
    return np.zeros(shape)


def _initialisers(cls: type, given: int) -> dict[str, Any]:
    """The constructor's initialiser parameters after the course's arguments (`weight_init_fn`,
    `bias_init_fn`), each given a function of the shape returning zeros, as the course's autograder
    passes its own by name (a student's code may call them unconditionally; the values are replaced
    by gradgate's all the same)."""
    try:
        params = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return {}
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    later = {p.name for p in positional[given:]} | {p.name for p in params if p.kind is p.KEYWORD_ONLY}
    return {name: _zeros for name in later if name.endswith(INITIALISER)}
