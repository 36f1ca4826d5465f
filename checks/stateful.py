"""Stateful classes as CMU 11-785's MyTorch writes them: `Linear(in_features, out_features)` whose
`forward(A)` keeps what its `backward(dLdZ)` needs and whose backward returns dLdA and leaves
`self.dLdW`, `self.dLdb` on the object; activations `forward(Z)` / `backward(dLdA)` (older years:
`backward()` returning dAdZ); losses `forward(A, Y)` / `backward()`; `BatchNorm1d.forward(Z)`.

Discovery tells such a class from the lecture's gate classes by where it lives (a `mytorch`
package) or by its signatures (MyTorch's `dLd...` parameter names; a `backward()` of no argument
beside a `forward(Z)` or `forward(A, Y)`), never by its name. The course's conventions changed
together between years (conventions.Era); which one a folder follows is read from its activations'
backward signatures, so that Linear's averaged dLdW is the template's own line in the older years
and a scale bug in the newer ones.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .adapters import PARAMETER_SHAPE, Adapter, as_array, describe
from .conventions import Era, Stateful, Upstream
from .guard import NotImplementedYet, StudentError

if TYPE_CHECKING:
    from .discover import Candidate

PACKAGE = "mytorch"  # the course's package name (a folder `mytorch`, `mytorch_hw2`, ...)
_NAMES = frozenset({"Z", "A", "Y", "eval"})  # MyTorch's forward parameters


def _params(fn: Callable[..., Any]) -> list[inspect.Parameter] | None:
    try:
        return [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    except (TypeError, ValueError):
        return None


def is_stateful(cls: type, module: str) -> bool:
    """A MyTorch class (it has forward and backward): in a `mytorch` package, or with MyTorch's
    signatures (a backward of dLdZ, dLdA, dLdBZ; or of nothing beside a forward of Z or A, Y)."""
    if any(part.startswith(PACKAGE) for part in module.split(".")):
        return True
    forward, backward = _params(cls.forward), _params(cls.backward)
    if forward is None or backward is None:
        return False
    if backward and all(p.name.startswith("dLd") for p in backward if p.default is p.empty):
        return True
    return not backward and bool(forward) and {p.name for p in forward} <= _NAMES


def era_of(cls: type) -> Era | None:
    """What an activation's backward says of the course year: `backward()` beside a one-argument
    forward is the older dAdZ; `backward(dLdA)` the newer; anything else says nothing."""
    forward, backward = _params(cls.forward), _params(cls.backward)
    required = [p.name for p in forward or () if p.default is p.empty]
    if forward is None or backward is None or required != ["Z"]:  # an activation's forward(Z), not a model's forward(A)
        return None
    if not backward:
        return Era.DERIVATIVE
    return Era.GRADIENT if len(backward) == 1 and backward[0].name == "dLdA" else None


def _group(source: str) -> str:
    """The folder a class's year is read over: its `mytorch` package, else its own file."""
    path = Path(source)
    for parent in path.parents:
        if parent.name.startswith(PACKAGE):
            return str(parent)
    return source


def mark_eras(candidates: Sequence[Candidate], stateful: Any) -> None:
    """Give every stateful candidate the era its package's activations show (one era only: mixed
    or no evidence leaves it None, and every year's entry applies as an alternative)."""
    seen: dict[str, set[Era]] = {}
    mine = [c for c in candidates if c.convention is stateful]
    for cand in mine:
        era = era_of(cand.objects[0])
        if era is not None:
            seen.setdefault(_group(cand.source), set()).add(era)
    for cand in mine:
        eras = seen.get(_group(cand.source), set())
        cand.era = next(iter(eras)) if len(eras) == 1 else None


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
        obj = self.guard.call(self.cls, *construct.values())  # positionally: the course's order, any names
        for key, attribute in how.params.items():
            setattr(obj, attribute, args[key])  # the argument itself: a change in place shows as one
        rest = [v for k, v in args.items() if k not in how.params]
        out = self.guard.call(obj.forward, *rest)
        if out is None:
            raise NotImplementedYet(f"not implemented: {name}.forward returns None")
        return as_array(out, f"{name}.forward"), obj

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        name = self.cls.__name__
        how = self.how
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
        value = getattr(obj, attribute, None)
        if value is None:
            raise NotImplementedYet(f"not implemented: {name}.backward leaves no self.{attribute}")
        grad = as_array(value, f"{name}.{attribute}")
        shape = np.shape(getattr(obj, self.how.params.get(key, ""), None))
        if grad.shape != shape and grad.size == int(np.prod(shape)) and tuple(d for d in grad.shape if d != 1) == tuple(d for d in shape if d != 1):
            # the largest example says it best: (3,) for (1, 3), not (1,) for (1, 1)
            self.note(PARAMETER_SHAPE, attribute, f"self.{attribute} has shape {grad.shape} where its parameter has {shape}",
                      replace=grad.size > self._shown.get(attribute, 0))  # fmt: skip
            self._shown[attribute] = max(grad.size, self._shown.get(attribute, 0))
            grad = grad.reshape(shape)
        return grad
