"""The declarative types of the registry: one `GateSpec` per gate or layer.

A spec says how a student's implementation is called (its convention), what its inputs are (symbolic
shapes, value domains, whether they are differentiated), how sizes are drawn, and the PyTorch forward
that is the reference. The engine in `gradgate.checks` reads specs; it never names a gate.
"""

from __future__ import annotations

import enum
import functools
import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Union

import numpy as np
from gradgate.checks.conventions import EXPRESSION, Call, Convention, Era, Ops, Option, Stateful, Steps, Upstream
from gradgate.checks.results import FindingKind

Sizes = Mapping[str, Any]


# -- torch and hypothesis, imported where they are used, not where the registry is declared ----------
# `gradgate list`, `--help` and the pytest plugin read the registry's names without paying for torch
# (1.5 s) or hypothesis. The gates modules take `torch`, `F` and `st` from here instead of importing them.


class _Later:
    """An attribute of a module not imported yet (`torch.relu` written at a gates module's top level):
    a callable that imports the module on its first call."""

    __slots__ = ("module", "attribute")

    def __init__(self, module: str, attribute: str) -> None:
        self.module = module
        self.attribute = attribute

    def resolve(self) -> Any:
        return getattr(importlib.import_module(self.module), self.attribute)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        return _Later, (self.module, self.attribute)

    def __repr__(self) -> str:
        return f"{self.module}.{self.attribute}"


class LazyModule:
    """A module imported on first use. Once it is imported (by anything: the engine imports torch), an
    attribute is the module's own; before that it is a `_Later`, so a reference declared at import
    time (`reference=torch.sigmoid`, `Node(..., torch.add)`) costs nothing until it is called."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        module = sys.modules.get(self._name)
        if module is None:
            return _Later(self._name, attribute)
        value = getattr(module, attribute)
        setattr(self, attribute, value)  # later lookups skip __getattr__
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


class Strategy:
    """A hypothesis strategy declared without importing hypothesis: `st.integers(1, 4)` in a spec's
    sizes. `resolve` builds the real one (once); GateSpec.sizes hands out only real ones."""

    __slots__ = ("function", "args", "kwargs", "_built")

    def __init__(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.function, self.args, self.kwargs = function, args, kwargs
        self._built: Any = None

    def resolve(self) -> Any:
        if self._built is None:
            from hypothesis import strategies

            self._built = getattr(strategies, self.function)(
                *(resolved(a) for a in self.args), **{k: resolved(v) for k, v in self.kwargs.items()}
            )
        return self._built

    def __getattr__(self, name: str) -> Any:  # .map, .example, ... on the real strategy
        if name.startswith("__") or name in Strategy.__slots__:
            raise AttributeError(name)
        return getattr(self.resolve(), name)

    def __repr__(self) -> str:
        args = [*(repr(a) for a in self.args), *(f"{k}={v!r}" for k, v in self.kwargs.items())]
        return f"{self.function}({', '.join(args)})"


def resolved(value: Any) -> Any:
    """A declared `Strategy` as hypothesis's own; anything else as it is."""
    return value.resolve() if isinstance(value, Strategy) else value


class _Strategies:
    """`st` for the registry: `st.integers(...)`, `st.sampled_from(...)`, ... declare `Strategy`s."""

    def __getattr__(self, function: str) -> Callable[..., Strategy]:
        if function.startswith("__"):
            raise AttributeError(function)
        return lambda *args, **kwargs: Strategy(function, args, kwargs)


class SizeStrategies(Mapping[str, Any]):
    """A spec's sizes: hypothesis strategies by size name, built from the declarations on first access."""

    def __init__(self, declared: Mapping[str, Any]) -> None:
        self._declared = dict(declared)

    def __getitem__(self, key: str) -> Any:
        return resolved(self._declared[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._declared)

    def __len__(self) -> int:
        return len(self._declared)

    def __repr__(self) -> str:
        return repr(self._declared)


if TYPE_CHECKING:
    import torch
    import torch.nn.functional as F
    from hypothesis import strategies as st
else:
    torch = LazyModule("torch")
    F = LazyModule("torch.nn.functional")
    st = _Strategies()


class Symptom(enum.Enum):
    """What an extreme input did to a student's result where the reference stays finite."""

    INF = "inf"  # an output or gradient is +-inf (a log of an underflowed 0, an exp past 709)
    NAN = "nan"  # NaN (inf / inf, inf - inf, 0 / 0)
    WRONG = "wrong"  # finite, and off the reference (precision lost to subnormals)
    RAISED = "raised"  # the student's code raised (math.exp's OverflowError, math.log(0))


@dataclass(frozen=True)
class Extreme:
    """An input's magnitude past those that decide the verdict, probed once after a pass for
    advisories only (checks.probes): the input drawn at `scale` around `offset`, on the sizes of an
    example the verdict checked. `advice` says, per symptom, what happens there and what to do; a
    symptom without an entry is reported with what was measured alone."""

    scale: float
    offset: float = 0.0
    advice: Mapping[Symptom, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Array:
    """A float64 array input. `shape` holds size names (drawn) or ints.

    Values are standard normal times a magnitude picked from `scales` (checks.examples). `positive` takes the
    absolute value plus `floor` (variances, scales). `avoid_zero` and `distinct` keep the values of
    this input at least a small gap away from 0 and from each other: the declared kinks (relu at 0,
    max and pooling ties), so that a finite difference does not straddle them. `when` names a drawn
    size: the input exists only where that size is truthy (a model's optional parameters, batchnorm's
    gamma1 when normalization is on); absent, it is left out of the call and the reference gets None.
    `grid=False` keeps the input off the coarse grid of exact zeros and ties (see checks.examples):
    for kinks deep inside a model (pooling ties of conv outputs) that only grid inputs reach, and
    that a saturated softmax makes too small for finite differences to see.
    `offsets`: (scale, offset) magnitudes drawn beside `scales`: values at that scale around a
    constant offset. Logits near +-1000 with a spread of 1 overflow an exp without the row max
    subtracted, while every shifted form of softmax stays exact (a larger spread there would make
    the loss tiny, and its rounding at the offset's scale large beside it).
    `extremes`: magnitudes past those, probed after the verdict for advisories (see `Extreme`).
    """

    shape: tuple[str | int, ...]
    scales: tuple[float, ...] = (1.0,)
    offsets: tuple[tuple[float, float], ...] = ()
    extremes: tuple[Extreme, ...] = ()
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
class Floor:
    """An absolute difference up to `atol` from the reference, in one entry of the state a param
    dict is left in, that is harmless: accepted, with an advisory saying `why`."""

    atol: float
    why: str


@dataclass(frozen=True)
class Fixed:
    """A non-array argument built from the drawn sizes: a param dict, a reg strength, a mode.

    `build(sizes, rng)` must return a fresh object each call (students may write into param dicts,
    as batchnorm does with its running statistics). `floors`: per key of the dict, the absolute
    difference from the reference's state that is harmless (see `Floor`); any other difference
    beyond the forward tolerance fails.
    """

    build: Callable[[Sizes, np.random.Generator], Any]
    floors: Mapping[str, Floor] = field(default_factory=dict)
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
class Condition:
    """A named property of an example under which a bug may be the only one to show: `holds(sizes,
    values)`. `kind` says what a bug that shows exactly there is: LOST_ACCUMULATION for conditions
    where contributions to one entry add up (overlapping pooling windows, a repeated word), else
    ONLY_WHEN."""

    holds: Callable[[Sizes, Mapping[str, Any]], bool]
    kind: FindingKind = FindingKind.ONLY_WHEN


@dataclass(frozen=True)
class Mistake:
    """A known wrong form of the gate as a PyTorch forward, called like the reference. With kind
    MISSING_TERM its gradient is what a backward that leaves out a path computes (the forward with
    the path detached); with FORWARD_WRONG its output is what the wrong forward computes. `detail`
    names it ("term through mean"); `message` says it in the lecture's words."""

    kind: FindingKind
    detail: str
    message: str
    reference: Callable[..., Any]


@dataclass(frozen=True)
class Diagnoses:
    """What the gate declares for naming a failure's cause (checks.diagnosis): conditions under
    which bugs of this gate typically show, and known mistakes."""

    conditions: Mapping[str, Condition] = field(default_factory=dict)
    mistakes: tuple[Mistake, ...] = ()


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


@dataclass(frozen=True)
class Configuration:
    """One configuration of a configurable model that the course grades on its own (FullyConnectedNet
    with dropout, with batch norm, ...): the size values it fixes, the rest drawn as the spec says.

    baseline: the configuration this one only adds an option to. Where the course's loss changes
    with the option and the student's does not, the option is named as ignored ("dropout_keep_ratio=0.5
    changes nothing"), and parameters only the option brings (gamma1) that the constructor does not
    make are reported as the option not implemented.
    """

    sizes: Mapping[str, Any]
    baseline: str | None = None


__all__ = [
    "EXPRESSION", "Array", "Call", "Condition", "Configuration", "Convention", "Diagnoses", "Era", "Extreme", "FindingKind",
    "Fixed", "Floor", "GateSpec", "Input", "Labels", "Mask", "Mistake", "Node", "Ops", "Option", "Sizes", "Stateful", "Steps", "Upstream",
    "Symptom", "WrongMask", "evaluate", "graph_reference", "F", "st", "torch",
]


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
    diagnoses: conditions and known mistakes that name a failure's likely cause (checks.diagnosis).
    backward_on: the examples whose backward the course defines, None for all. batchnorm's backward
      is the train-mode one (a test-mode forward keeps no cache): test mode is checked forward-only.
    assumes: what the course's docstring lets students assume of the sizes, None for nothing (max
      pool's "you can assume (H - pool_height) % stride == 0"). An example outside it is no part of
      the verdict: the student's code raising there (an assert of it) discards it, and a wrong
      result there is an advisory (assumed_away).
    reference_on: the examples the reference can judge, None for all. A model's dropout mask is the
      student's own draw: with dropout on, the backward is checked against finite differences of the
      student's own seeded forward only, and the forward against torch where dropout is off.
    configurations: label -> Configuration, for a model the course grades per configuration; each is
      checked and reported on its own (`FullyConnectedNet[dropout]`). `configuration` is the label
      of a spec made by `configured`, None otherwise.
    stochastic: a layer that multiplies an input by a random mask of its own (dropout), judged by
      that mask (see `Mask`); its `reference` is None.
    backward_args: for a layer pair, inputs its backward takes again after the cache (DLS's
      `linear_activation_backward(dA, cache, activation)`).
    gradient_scale: per input, the multiple of the true gradient the course's backward returns
      (DLS's linear_backward gives dW = dZ A_prevᵀ / m and db / m, the cost's mean taken there, and a
      true dA_prev); torch's and the finite differences' gradients are scaled alike before comparing.
    steps: for plain functions (Convention.FUNCTIONS), how they are called (checks.conventions.Steps);
      the reference then also gets the steps' `observed` values (a forward's own dropout masks) as
      keyword arguments.
    ops: for a scalar engine (Convention.SCALAR_ENGINE), the methods of the student's class its
      expression calls and the label of its result (checks.conventions.Ops); the expression itself
      is the input named EXPRESSION, a `Fixed` of Python statements (checks.scalar_engine).
    tensors: the student's code takes and returns torch tensors (UMich EECS 498): arrays are handed
      over as float64 CPU tensors sharing their memory and the results read back as arrays
      (checks.adapters); only torch code is matched to such an entry, and torch code only to such.
    stateful: for a MyTorch class (Convention.STATEFUL), how it is called and where its gradients are
      left (checks.conventions.Stateful); `construct` gives its constructor arguments in order.
    shipped: fingerprints (checks.shipped) of functions the course hands out complete with the
      homework: an error raised inside one of them, unchanged, is not the student's, and is listed
      as not checked.
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
    diagnoses: Diagnoses = field(default_factory=Diagnoses)
    assumes: Callable[[Sizes], bool] | None = None
    reference_on: Callable[[Sizes], bool] | None = None
    configurations: Mapping[str, Configuration] = field(default_factory=dict)
    configuration: str | None = None
    stochastic: Mask | None = None

    backward_args: tuple[str, ...] = ()
    gradient_scale: Callable[[Sizes], Mapping[str, float]] | None = None
    steps: Steps | None = None
    ops: Ops | None = None
    tensors: bool = False
    stateful: Stateful | None = None
    shipped: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.sizes, SizeStrategies):
            object.__setattr__(self, "sizes", SizeStrategies(self.sizes))
        if self.stochastic is not None:
            masked = self.inputs.get(self.stochastic.input)
            if not (isinstance(masked, Array) and masked.avoid_zero):
                raise ValueError(f"{self.name}: the mask is read as out / {self.stochastic.input}, which must be an avoid_zero Array")

    @functools.cached_property
    def differentiable(self) -> tuple[str, ...]:  # read on every call the battery makes: computed once
        return tuple(k for k, v in self.inputs.items() if v.differentiable)

    @property
    def references(self) -> Mapping[str, Callable[..., Any]]:
        """The reference forwards by label: one unless the spec declares `Variants`."""
        if self.reference is None:
            return {}
        if isinstance(self.reference, Variants):
            return self.reference.choices
        return {"": self.reference}

    def configured(self, label: str) -> GateSpec:
        """This spec restricted to one of its configurations: its sizes fixed, the rest drawn."""
        fixed = self.configurations[label].sizes
        unknown = sorted(set(fixed) - set(self.sizes))
        if unknown:
            raise ValueError(f"{self.name}[{label}] fixes sizes the spec does not draw: {', '.join(unknown)}")
        sizes = {k: (st.just(fixed[k]) if k in fixed else v) for k, v in self.sizes.items()}
        return replace(self, sizes=sizes, configuration=label)

    def all_sizes(self, drawn: Mapping[str, Any]) -> dict[str, Any]:
        """Drawn sizes with the derived ones added."""
        return {**drawn, **(self.derive(drawn) if self.derive else {})}

    def present(self, sizes: Sizes) -> tuple[str, ...]:
        """The inputs an example of these sizes has (optional ones only where their size is truthy)."""
        return tuple(k for k, v in self.inputs.items() if not (isinstance(v, Array) and v.when is not None and not sizes[v.when]))

    def baseline_sizes(self, sizes: Sizes) -> dict[str, Any] | None:
        """The same example's sizes in the configuration's baseline (dropout off), None without one."""
        config = self.configurations.get(self.configuration or "")
        if config is None or config.baseline is None:
            return None
        drawn = {k: v for k, v in sizes.items() if k in self.sizes}
        return self.all_sizes({**drawn, **self.configurations[config.baseline].sizes})

    def option(self, sizes: Sizes) -> Option | None:
        """What this configuration adds to its baseline, in the constructor's own words: the keyword
        arguments that differ ("dropout_keep_ratio=0.5" against "dropout_keep_ratio=1") and the inputs
        only it brings (gamma1, beta1 under normalization)."""
        base = self.baseline_sizes(sizes)
        if base is None or self.construct is None:
            return None
        here, there = self.construct(sizes), self.construct(base)
        keys = [k for k in here if k not in there or not _same(here[k], there[k])]
        added = tuple(k for k in self.present(sizes) if k not in self.present(base))
        words = ", ".join(f"{k}={here[k]!r}" for k in keys)
        before = ", ".join(f"{k}={there.get(k)!r}" for k in keys)
        return Option(words, before, added)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays, or objects without a truth value for ==
        return a is b
