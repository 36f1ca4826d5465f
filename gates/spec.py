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
from gradgate.checks.conventions import Convention
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
class WrongMask:
    """A recognisable mistake of a stochastic layer and what the report says of it. `values(sizes)`:
    the mask values the mistake gives on an example of these sizes (None where it does not show);
    `kept(sizes)`: the fraction of units it keeps, which the kept-fraction probe recognises."""

    message: str
    values: Callable[[Sizes], tuple[float, ...] | None] = lambda s: None
    kept: Callable[[Sizes], float | None] = lambda s: None


@dataclass(frozen=True)
class Mask:
    """A stochastic layer judged by its own mask, not by the random calls it makes: its output is
    `input` times a mask it draws, read back as out / input (so `input` must be an `avoid_zero` Array).

    On every example each entry of that mask must be one of `values(sizes)`; the reference is then
    input * the student's own mask, so backward must be dout times that same mask, and determinism
    (the same seed gives the same mask) and finite differences of its own forward apply as usual.
    A probe on large inputs (`probe`: sizes, one per keep probability; `seed` names the size that
    seeds the mask) checks that the fraction of units kept is `kept(sizes)` and that two seeds give
    two masks. `wrong` names the mistakes a wrong mask is recognised as.
    """

    input: str
    values: Callable[[Sizes], tuple[float, ...]]
    kept: Callable[[Sizes], float]
    seed: str
    probe: tuple[Mapping[str, Any], ...]
    wrong: tuple[WrongMask, ...] = ()


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


__all__ = ["Array", "Convention", "Fixed", "GateSpec", "Input", "Labels", "Mask", "Node", "Sizes", "WrongMask", "evaluate", "graph_reference"]


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
    stochastic: a layer that multiplies an input by a random mask of its own (dropout), judged by
      that mask (see `Mask`); its `reference` is None.
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
    stochastic: Mask | None = None

    def __post_init__(self) -> None:
        if self.stochastic is not None:
            masked = self.inputs.get(self.stochastic.input)
            if not (isinstance(masked, Array) and masked.avoid_zero):
                raise ValueError(f"{self.name}: the mask is read as out / {self.stochastic.input}, which must be an avoid_zero Array")

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
