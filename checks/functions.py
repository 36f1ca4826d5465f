"""The adapter of plain functions that together form one implementation, as a spec's `Steps` say:
deeplearning.ai's `L_model_forward(X, parameters)`, `compute_cost(AL, Y)` and
`L_model_backward(AL, Y, caches) -> grads`, with grads keyed `dW1`, `db1`, `dA0`, ...

The implementation is the function discovery found (the one the spec is named after); the other
functions of its steps are looked up by name in its module, where a course helper imported from
`dnn_utils` or `reg_utils` counts as well (a missing helper of a notebook is a stand-in that makes
the implementation not checked). The checked output is the pool value the steps name (the cost);
the backward's gradients, read by key from its dict (the result that is not the checked output:
EECS 498's nn_forward_backward returns (loss, grads), DLS's propagate (grads, cost), and each is
called again for them), or returned as they are where its results name them (dtheta), are scaled
by the upstream gradient. Torch code (a tensors spec) gets tensors and its results are read back as arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .adapters import Adapter, as_array, describe, scaled
from .conventions import Call, Steps
from .guard import NotImplementedYet, StudentError


@dataclass
class _State:
    pool: dict[str, Any]
    present: tuple[str, ...]  # the differentiable inputs of this call (optional ones may be absent)
    observed: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Functions(Adapter):
    fn: Callable[..., Any] = None  # type: ignore[assignment]

    @property
    def steps(self) -> Steps:
        steps = self.spec.steps
        assert steps is not None, "a functions spec declares its steps"
        return steps

    def _function(self, name: str) -> Callable[..., Any]:
        if not name:
            return self.fn
        found = (getattr(self.fn, "__globals__", None) or {}).get(name)
        if found is None:
            raise NotImplementedYet(f"not implemented: {self.fn.__name__} is checked with {name}, and there is no {name} beside it")
        if not callable(found):
            raise StudentError(f"{name} beside {self.fn.__name__} should be a function, got {describe(found)}")
        return found

    def _call(self, call: Call, pool: dict[str, Any]) -> None:
        fn = self._function(call.function)
        label = getattr(fn, "__name__", call.function or "the function")
        result = self.call(fn, *(pool[a] for a in call.arguments))
        if result is None:
            raise NotImplementedYet(f"not implemented: {label} returns None")
        if len(call.results) == 1:
            pool[call.results[0]] = result
        else:
            if not (isinstance(result, (tuple, list)) and len(result) == len(call.results)):
                raise StudentError(f"{label} should return ({', '.join(call.results)}), got {describe(result)}")
            none = [n for n, v in zip(call.results, result, strict=True) if v is None]
            if none:
                raise NotImplementedYet(f"not implemented: {label} returns None for {', '.join(none)}")
            pool.update(zip(call.results, result, strict=True))
        for name in call.results:
            layout = self.steps.unpack.get(name)
            if layout is None:
                continue
            value = pool[name]
            if not (isinstance(value, (tuple, list)) and len(value) == len(layout)):
                raise StudentError(f"{label}'s {name} should be the course's tuple ({', '.join(layout)}), got {describe(value)}")
            pool.update(zip(layout, value, strict=True))

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        steps = self.steps
        pool: dict[str, Any] = dict(args)
        for name, keys in steps.packs.items():
            pool[name] = {k: args[k] for k in keys if k in args}
        for call in steps.forward:
            self._call(call, pool)
        label = self._label(steps.forward[-1])
        out = as_array(self.result(pool[steps.output], f"{label}'s {steps.output}"), f"{label}'s {steps.output}")
        observed = {k: as_array(self.result(pool[k], f"{label}'s {k}"), f"{label}'s {k}") for k in steps.observed}
        for k, like in steps.observed.items():
            if observed[k].shape != np.shape(pool[like]):
                raise StudentError(f"{label}'s {k} has shape {observed[k].shape}, expected {like}'s {np.shape(pool[like])}")
        return out, _State(pool, tuple(k for k in self.spec.differentiable if k in args), observed)

    def _label(self, call: Call) -> str:
        return call.function or self.fn.__name__

    def observed(self, state: Any) -> Mapping[str, np.ndarray]:
        return state.observed

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        steps = self.steps
        if steps.backward is None:
            return ()
        pool = dict(state.pool)
        self._call(steps.backward, pool)
        label = self._label(steps.backward)
        keys = [steps.grads.get(k, f"d{k}") for k in state.present]
        if all(key in steps.backward.results for key in keys):  # the gradients themselves (-> dtheta)
            none = [key for key in keys if pool[key] is None]
            if none:
                raise NotImplementedYet(f"not implemented: {label} returns None for {', '.join(none)}")
            return scaled(dout, tuple(self.result(pool[key], f"{label}'s {key}") for key in keys))
        # a dict of them: the result that is not the checked output (DLS's propagate -> (grads, cost))
        grads = pool[next((r for r in reversed(steps.backward.results) if r != steps.output), steps.backward.results[-1])]
        if not isinstance(grads, dict):
            raise StudentError(f"{label} should return a dict of gradients, got {describe(grads)}")
        absent = [key for key in keys if key not in grads]
        if absent:
            has = ", ".join(map(str, grads)) or "nothing"
            raise StudentError(f"{label}'s grads has no {', '.join(absent)} (it has {has})")
        none = [key for key in keys if grads[key] is None]
        if none:
            raise NotImplementedYet(f"not implemented: {label} returns None for {', '.join(none)}")
        returned = (self.result(grads[key], f"{label}'s grads[{key!r}]") for key in keys)
        return scaled(dout, tuple(returned))
