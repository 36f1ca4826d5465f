"""CMU 10-714 needle's `nn` modules (hw2's nn_basic.py): a `Module` subclass whose `forward` builds
its output from needle ops, and whose gradient is needle's own autograd through those ops.

The module is constructed with the entry's arguments (`Linear(in_features, out_features)`,
`LayerNorm1d(dim)`: the spec's `construct`, positionally); its parameters are replaced by the
engine's under the course's names, which its tests read (`layer.weight = Parameter(W)`:
`Stateful.params`, input -> attribute); and it is called on leaf Tensors of the student's own
`Tensor` class (labels too, as the course passes `y`). A dict input is the module's state by
attribute name (BatchNorm1d's `training` and running statistics), set before the forward and read
back after it, for the battery to compare with the reference's. Where the entry says
(`Stateful.seeded`, Dropout), numpy's global generator is seeded from a size before the forward, as
the course's tests seed it. The backward is `out.backward(Tensor(dout))`, the student's
compute_gradient_of_variables, and the gradients are the `.grad` of each leaf and parameter. Every
op on the way is the student's as well: a module fails where one of its ops' gradients is wrong, and
the op's own entry names which.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .conventions import Stateful
from .guard import OwnDesign, StudentError
from .foreign import is_tensor_class
from .tensor_op import NeedleOp, _is_tensor, _on_numpy, leaf_call


@dataclass
class _Graph:
    """One forward: the module, its output node and every leaf the gradients are read from."""

    module: Any
    out: Any
    leaves: dict[str, Any]


@dataclass
class NeedleModule(NeedleOp):
    """cls(*construct); parameters set as Parameters; module(*leaves); out.backward(Tensor(dout))."""

    def _tensor_class(self) -> type:
        glob = getattr(self.cls.forward, "__globals__", {})
        tensor = glob.get("Tensor")
        if not inspect.isclass(tensor):
            raise StudentError(f"{self._name}: no needle Tensor class where its forward is defined (nn_basic.py imports one)")
        return tensor

    def _leaf(self, value: np.ndarray, cls: type | None = None) -> Any:
        """A leaf Tensor of the student's class: float64 numbers, labels as the integers they are."""
        tensor = cls or self._tensor_class()
        array = np.array(value)
        if array.dtype.kind != "f":
            return self.guard.call(tensor, array)  # SoftmaxLoss's y, as the course's tests pass it
        return self.guard.call(*leaf_call(tensor, array))

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        how = getattr(self.spec, "stateful", None) or Stateful()
        arguments = tuple((self.spec.construct(sizes) if self.spec.construct else {}).values())
        module = self.guard.call(self.cls, *arguments)
        # the course's own Parameter (a Tensor subclass, beside Module) where there is one
        parameter = getattr(self.cls.forward, "__globals__", {}).get("Parameter")
        parameter = parameter if is_tensor_class(parameter) else None
        leaves: dict[str, Any] = {}
        for key, attribute in how.params.items():
            if not hasattr(module, attribute):
                mine = ", ".join(k for k, v in vars(module).items() if _is_tensor(v))[:120]
                raise OwnDesign(f"names its parameters its own way: {self._name}() makes no self.{attribute}, the course's "
                                f"name, which gradgate sets to its own values (it has {mine or 'no Tensors'})")  # fmt: skip
            leaves[key] = self._leaf(args[key], parameter)
            setattr(module, attribute, leaves[key])
        inputs = []
        states = {k: v for k, v in args.items() if isinstance(v, dict)}
        for key, value in args.items():
            if key not in how.params and key not in states:
                leaves[key] = self._leaf(value)
                inputs.append(leaves[key])
        for state in states.values():
            self._set_state(module, state)
        with _seeded(sizes.get(how.seeded) if how.seeded else None):
            out = self.guard.call(_on_numpy, module, *inputs)
        data = self._data(out, f"{self._name}()(...)'s output")
        for state in states.values():
            self._read_state(module, state)
        return data, _Graph(module, out, leaves)

    def _set_state(self, module: Any, state: dict[str, Any]) -> None:
        """A dict input is the module's state by attribute name (BatchNorm1d's `training`,
        `running_mean`, `running_var`): arrays as Tensors of the student's class, the rest as is."""
        for attribute, value in state.items():
            setattr(module, attribute, self._leaf(value) if isinstance(value, np.ndarray) else value)

    def _read_state(self, module: Any, state: dict[str, Any]) -> None:
        """The state as the forward left it, back into the dict for the battery to compare with the
        reference's (a running statistic kept as a numpy array is read as one)."""
        for attribute, before in list(state.items()):
            value = getattr(module, attribute, None)
            if isinstance(before, np.ndarray):
                array = value if isinstance(value, np.ndarray) else self._data(value, f"self.{attribute}") if _is_tensor(value) else None
                if array is None:
                    raise StudentError(f"after forward, self.{attribute} is {type(value).__name__}, not a Tensor")
                state[attribute] = np.array(array, dtype=np.float64)
            else:
                state[attribute] = value

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        backward = getattr(state.out, "backward", None)
        if not callable(backward):
            raise StudentError(f"{self._name}'s output has no backward(): not a needle Tensor")
        for leaf in state.leaves.values():
            leaf.grad = None  # a second backward's gradients are its own, not left from the first
        self.guard.call(_on_numpy, backward, self._leaf(dout))
        grads = []
        for key in self.spec.differentiable:
            grad = getattr(state.leaves[key], "grad", None)
            if grad is None:
                raise StudentError(f"no gradient reached {key}: its .grad is None after out.backward() (does the "
                                   "forward leave the graph, through .numpy() or .data?)")
            grads.append(self._data(grad, f"{key}.grad"))
        return tuple(grads)


@contextlib.contextmanager
def _seeded(seed: Any) -> Iterator[None]:
    """numpy's global generator seeded for one forward (the course's `np.random.seed(3)` before a
    Dropout), and left as it was after: nothing else's draws change."""
    if seed is None:
        yield
        return
    before = np.random.get_state()
    np.random.seed(int(seed))
    try:
        yield
    finally:
        np.random.set_state(before)

