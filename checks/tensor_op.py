"""CMU 10-714 needle ops: a `TensorOp` subclass whose `compute(*arrays)` runs on the array backend
(numpy here) and whose `gradient(out_grad, node)` builds needle Tensors (hw1's EWiseAdd ... ReLU,
hw2's LogSumExp).

Discovery tells such a class by its shape (`checks.foreign.is_tensor_op`): a subclass of a class named `TensorOp`
(or `TensorTupleOp`) with `compute` and `gradient` of its own; it is matched to the registry by its
class name (gates/needle.py). The needle core beside it (`Tensor`, `Value`, `Op`, `TensorOp`: the
course's autograd, `foreign.is_needle_core`) is not an implementation.

The check runs through the student's own autograd: leaf Tensors of the student's `Tensor` class (the
one of the module that defines their `TensorOp`) are made from the engine's float64 arrays, the op is
constructed with the entry's arguments (`AddScalar(scalar)`, `Summation(axes)`: the spec's
`construct`, positionally, in the course's order) and called (`op(a, b)`, which is needle's
`Tensor.make_from_op` and runs `compute`); the node's `.numpy()` is the output. The backward calls
`op.gradient(Tensor(dout), node)` once per call and reads `.numpy()` of each Tensor it returns: what
their gradient calls (their `divide`, `multiply`, `summation`, ...) is their code as they wrote it.

A needle package is imported as `needle` from the folder above it (its `python/`), with the numpy
backend (`NEEDLE_BACKEND=np`, `foreign.numpy_backend`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .adapters import Adapter, as_array, describe
from .foreign import NDARRAY_MATH, NDARRAY_METHODS, raised_in_ndarray_needle, tensor_class
from .guard import NotImplementedYet, StaffUnavailable, StudentError


@functools.lru_cache(maxsize=64)
def _takes_dtype(tensor: type) -> bool:
    """Whether the student's Tensor constructor takes `dtype` (read once per class: every leaf asks)."""
    try:
        return "dtype" in inspect.signature(tensor).parameters
    except (TypeError, ValueError):
        return False


def leaf_call(tensor: type, array: np.ndarray) -> tuple[Any, ...]:
    """The call that makes a leaf Tensor of the student's class from float64 `array`: with
    dtype="float64" where the constructor takes one (the course's defaults to float32)."""
    return (functools.partial(tensor, dtype="float64"), array) if _takes_dtype(tensor) else (tensor, array)


def _is_tensor(value: Any) -> bool:
    return hasattr(value, "realize_cached_data") or hasattr(value, "cached_data")


def _on_numpy(fn: Any, *args: Any) -> Any:
    """Call the student's op; an NDArray method called on a numpy array (hw3+'s `.compact()`) means
    code written for needle's own backend: not checked here, not the student's error."""
    try:
        return fn(*args)
    except AttributeError as exc:
        ndarray = exc.name in NDARRAY_METHODS or (exc.name in NDARRAY_MATH and raised_in_ndarray_needle(exc))
        if isinstance(getattr(exc, "obj", None), np.ndarray) and ndarray:
            raise StaffUnavailable(
                f"is written for needle's NDArray backend (it calls .{exc.name}(), which numpy arrays lack); "
                "gradgate runs needle on its numpy backend (hw1, hw2)"
            ) from None
        raise


@dataclass
class _Node:
    """One forward: the op object, its output node and the leaves."""

    op: Any
    node: Any
    leaves: tuple[Any, ...]
    before: tuple[np.ndarray, ...]  # the leaves' data, and the output, as the forward made them
    out: np.ndarray


@dataclass
class NeedleOp(Adapter):
    """`cls(*arguments)(*leaves)` for the output, `gradient(Tensor(dout), node)` for the gradients."""

    cls: type = None  # type: ignore[assignment]

    @property
    def _name(self) -> str:
        return self.cls.__name__

    def _tensor(self, value: np.ndarray) -> Any:
        try:
            tensor = tensor_class(self.cls)
        except LookupError as exc:
            raise StudentError(str(exc)) from None
        return self.guard.call(*leaf_call(tensor, np.array(value, dtype=np.float64)))

    def _data(self, value: Any, what: str) -> np.ndarray:
        if value is None:
            raise NotImplementedYet(f"not implemented: {what} is None")
        if not _is_tensor(value):
            raise StudentError(f"{what} should be a needle Tensor, got {describe(value)} (the course's backward sums Tensors)")
        numpy = getattr(value, "numpy", None)
        data = self.guard.call(numpy) if callable(numpy) else self.guard.call(value.realize_cached_data)
        if data is None:
            raise NotImplementedYet(f"not implemented: {what} has no data (compute returns None)")
        if not isinstance(data, (np.ndarray, np.number, int, float)):
            raise StudentError(f"{what} should hold a numpy array, got {describe(data)}")
        if isinstance(data, np.ndarray) and data.dtype == object:
            raise StudentError(f"{what} holds an array of Python objects, not numbers: a numpy function called on "
                               "a needle Tensor (np.ones_like(tensor)) instead of on its data?")
        return as_array(np.asarray(data), what)

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        arguments = tuple((self.spec.construct(sizes) if self.spec.construct else {}).values())
        op = self.guard.call(self.cls, *arguments)
        leaves = tuple(self._tensor(args[k]) for k in self.spec.differentiable if k in args)
        node = self.guard.call(_on_numpy, op, *leaves)
        out = self._data(node, f"{self._name}()(...)'s output")
        before = tuple(np.array(args[k], dtype=np.float64) for k in self.spec.differentiable if k in args)
        # compute gets the input Tensors' own arrays: writing into them (`Z -= Z.max()`) changes the
        # inputs for every other op of the graph
        for i, (leaf, value) in enumerate(zip(leaves, before, strict=True)):
            if not np.array_equal(np.asarray(self._data(leaf, "an input"), dtype=np.float64), value):
                raise StudentError(f"{self._name}.compute changed input {i + 1}'s data in place: the input Tensor's "
                                   "values change for every other op that reads them (write `Z = Z - ...`, not `Z -= ...`)")
        return out, _Node(op, node, leaves, before, out.copy())

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        upstream = self._tensor(dout)
        result = self.guard.call(_on_numpy, state.op.gradient, upstream, state.node)
        what = f"{self._name}.gradient"
        count = len(state.leaves)
        if result is None:
            raise NotImplementedYet(f"not implemented: {what} returns None")
        if _is_tensor(result) and not isinstance(result, (tuple, list)):
            result = (result,)
        elif not isinstance(result, (tuple, list)):
            try:  # a TensorTuple, or another sequence of Tensors
                result = tuple(result)
            except TypeError:
                raise StudentError(f"{what} should return {count} needle Tensor(s), got {describe(result)}") from None
        if len(result) != count:
            raise StudentError(f"{what} should return {count} needle Tensor(s), one per input, got {len(result)}")
        # the graph's values as the forward left them: a gradient that writes into them corrupts
        # every other op of the graph that reads them (a relu mask made in place in its input's data)
        for i, (leaf, before) in enumerate(zip(state.leaves, state.before, strict=True)):
            if not np.array_equal(np.asarray(self._data(leaf, "an input"), dtype=np.float64), before):
                raise StudentError(f"{what} changed input {i + 1}'s data in place (node.inputs[{i}]): other ops of the graph read it")
        if not np.array_equal(self._data(state.node, "the output"), state.out):
            raise StudentError(f"{what} changed the op's own output in place (node's data): the ops after it read it")
        return tuple(self._data(g, f"{what}'s gradient for input {i + 1}" if count > 1 else f"{what}'s result")
                     for i, g in enumerate(result))  # fmt: skip
