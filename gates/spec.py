"""The declarative types of the registry: one `GateSpec` per gate or layer.

A spec says how a student's implementation is called (its convention), what its inputs are (symbolic
shapes, value domains, whether they are differentiated), how sizes are drawn, and the PyTorch forward
that is the reference. The engine in `gradgate.checks` reads specs; it never names a gate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
from gradgate.checks.conventions import Call, Convention, Steps
from hypothesis import strategies as st

Sizes = Mapping[str, Any]


@dataclass(frozen=True)
class Array:
    """A float64 array input. `shape` holds size names (drawn) or ints.

    Values are standard normal times a magnitude hypothesis picks from `scales`. `positive` takes the
    absolute value plus `floor` (variances, scales). `avoid_zero` and `distinct` keep the values of
    this input at least a small gap away from 0 and from each other: the declared kinks (relu at 0,
    max and pooling ties), so that a finite difference does not straddle them. `when` names a drawn
    size: the input exists only where that size is truthy (a model's optional parameters, batchnorm's
    gamma1 when normalization is on); absent, it is left out of the call and the reference gets None.
    `grid=False` keeps the input off the coarse grid of exact zeros and ties (see checks.examples):
    for kinks deep inside a model (pooling ties of conv outputs) that only grid inputs reach, and
    that a saturated softmax makes too small for finite differences to see.
    """

    shape: tuple[str | int, ...]
    scales: tuple[float, ...] = (1.0,)
    differentiable: bool = True
    positive: bool = False
    floor: float = 0.1
    avoid_zero: bool = False
    distinct: bool = False
    when: str | None = None
    grid: bool = True


@dataclass(frozen=True)
class Labels:
    """An integer class-label vector of `shape`, values in [0, sizes[classes])."""

    shape: tuple[str | int, ...]
    classes: str
    differentiable: bool = field(default=False, init=False)


@dataclass(frozen=True)
class Fixed:
    """A non-array argument built from the drawn sizes: a param dict, a reg strength, a mode.

    `build(sizes, rng)` must return a fresh object each call (students may write into param dicts,
    as batchnorm does with its running statistics).
    """

    build: Callable[[Sizes, np.random.Generator], Any]
    differentiable: bool = field(default=False, init=False)


Input = Union[Array, Labels, Fixed]


@dataclass(frozen=True)
class Variants:
    """Conventions that honestly differ between course years, as alternative references (label ->
    PyTorch forward), the course's current one first. Which one an implementation follows is read
    from its own forward on the first example (the variant its output matches, else the closest),
    and that variant is then the reference for every example: a student following the older
    0.5 reg ||W||^2 is checked against it, while one whose loss and gradient follow different
    conventions still fails."""

    choices: Mapping[str, Callable[..., Any]]

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError("Variants needs at least one reference")


@dataclass(frozen=True)
class Node:
    """One node of a computational graph as the lecture draws it: `name = op(*inputs)`.

    inputs name the spec's inputs, earlier nodes, or constructor arguments (a model's reg); `fn`
    computes the node from their tensors. The graph's last node is the output.
    """

    name: str
    op: str
    inputs: tuple[str, ...]
    fn: Callable[..., Any]


def evaluate(graph: tuple[Node, ...], env: dict[str, Any]) -> dict[str, Any]:
    """Every node's tensor, in order, from the inputs' tensors in `env`."""
    values = dict(env)
    for node in graph:
        values[node.name] = node.fn(*(values[i] for i in node.inputs))
    return {node.name: values[node.name] for node in graph}


def graph_reference(graph: tuple[Node, ...], inputs: tuple[str, ...]) -> Callable[..., Any]:
    """The reference forward of a spec drawn as a graph: the graph's output node."""

    def reference(*args: Any, **constants: Any) -> Any:
        return evaluate(graph, {**dict(zip(inputs, args, strict=True)), **constants})[graph[-1].name]

    return reference


__all__ = ["Array", "Call", "Convention", "Fixed", "GateSpec", "Input", "Labels", "Node", "Sizes", "Steps", "evaluate", "graph_reference"]


@dataclass(frozen=True)
class GateSpec:
    """One gate or layer of the registry.

    name: what the student's code is called (`affine` for affine_forward/affine_backward, the class
      name for gate classes and models, the function name for losses).
    inputs: in call order (for a model: differentiable inputs are its `.params` entries, the others
      are the arguments of `.loss`).
    sizes: a strategy per size name; `derive` adds sizes computed from drawn ones (conv H from the
      output size, stride, pad and filter size, so every draw is legal).
    reference: the PyTorch forward, called like the student's forward with float64 tensors for
      arrays, int64 tensors for labels and the Fixed objects as they are; autograd gives the
      reference gradients. A tuple of tensors when `outputs` > 1. `Variants` where the course's
      conventions differ between years. None: checked against finite differences alone.
    construct: for a model, the constructor keyword arguments from the sizes.
    summary: one line for `gradgate list` and the report.
    graph: the computational graph the report draws (lecture circuits, the 2-layer net).
    variant: for entries that share a name and signature, the course convention this one is (they are
      alternatives: an implementation is judged by the one it follows).
    backward_on: the examples whose backward the course defines, None for all. batchnorm's backward
      is the train-mode one (a test-mode forward keeps no cache): test mode is checked forward-only.
    backward_args: for a layer pair, inputs its backward takes again after the cache (DLS's
      `linear_activation_backward(dA, cache, activation)`).
    gradient_scale: per input, the multiple of the true gradient the course's backward returns
      (DLS's linear_backward gives dW = dZ A_prevᵀ / m and db / m, the cost's mean taken there, and a
      true dA_prev); torch's and the finite differences' gradients are scaled alike before comparing.
    steps: for plain functions (Convention.FUNCTIONS), how they are called (checks.conventions.Steps);
      the reference then also gets the steps' `observed` values (a forward's own dropout masks) as
      keyword arguments.
    """

    name: str
    convention: Convention
    inputs: Mapping[str, Input]
    sizes: Mapping[str, st.SearchStrategy[Any]]
    reference: Callable[..., Any] | Variants | None
    summary: str
    derive: Callable[[Sizes], Mapping[str, Any]] | None = None
    construct: Callable[[Sizes], Mapping[str, Any]] | None = None
    outputs: int = 1
    signature: tuple[str, ...] = ()
    graph: tuple[Node, ...] = ()
    backward_on: Callable[[Sizes], bool] | None = None
    variant: str = ""
    backward_args: tuple[str, ...] = ()
    gradient_scale: Callable[[Sizes], Mapping[str, float]] | None = None
    steps: Steps | None = None

    @property
    def differentiable(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.inputs.items() if v.differentiable)

    @property
    def references(self) -> Mapping[str, Callable[..., Any]]:
        """The reference forwards by label: one unless the spec declares `Variants`."""
        if self.reference is None:
            return {}
        if isinstance(self.reference, Variants):
            return self.reference.choices
        return {"": self.reference}
