"""Hypothesis strategies built from a spec: sizes first, then every input from those sizes.

Hypothesis draws only the sizes and two numbers per example, a seed and a variety level; numpy builds
every input from the seed (a stream of its own per input) and, when the level is above 0, also picks
each input's magnitude and "grid" flag from it. Shrinking then goes to small sizes, seed 0 and level
0, where every input has its first magnitude and no grid: the minimal example is small and readable.
Each hypothesis draw costs tens of microseconds, so a draw per input (a model has a dozen) cost
more than many students' whole forward. The grid flag rounds values to multiples of half the
magnitude, which gives hypothesis's favourite inputs, exact zeros and ties, to every input without
a declared kink.
"""

from __future__ import annotations

import contextlib
import copy
import math
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from gradgate.gates.spec import Array, Fixed, GateSpec, Labels
from hypothesis import strategies as st

_SEEDS = st.integers(0, 2**32 - 1)
# 0: every input at its first magnitude, off the grid; 1-3: magnitudes and grid flags picked by numpy
# from the seed (three levels of four, so that most examples vary and shrinking still reaches 0)
_VARIETY = st.integers(0, 3)
_VARIETY_STREAM = 0x7A41  # the picks' own stream of the seed, apart from every input's
_DOUT = 0x5DEECE66D  # the upstream gradient's seed is the example's, moved off the inputs' streams


@contextlib.contextmanager
def seed_only() -> Iterator[None]:
    """While active, hypothesis's draws depend on the seed alone.

    Hypothesis mixes the integer and float literals of every loaded local module into its draws (its
    "local constants"). The student's modules, a user's own test files, or gradgate itself installed
    in editable mode would then each change what a seed gives: a regrade, or a student rerunning the
    printed seed, could see other examples. Hypothesis has no setting for it, so its (internal) pool
    is emptied while gradgate draws; tests/test_examples.py fails if a hypothesis release moves it.
    """
    from hypothesis.internal.conjecture import providers

    get = getattr(providers, "_get_local_constants", None)
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    if get is None or cache is None:
        yield  # a hypothesis without the feature: nothing to empty
        return
    from hypothesis.internal.constants_ast import Constants

    empty = Constants()
    cache.clear()  # allowed constants cached with the local pool
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = get
        cache.clear()


@dataclass(frozen=True)
class Example:
    """One drawn example: the sizes and every input's value, in the spec's call order."""

    sizes: Mapping[str, Any]
    values: Mapping[str, Any]
    dout_seed: int = 0  # seeds the random upstream gradient and the finite-difference direction
    seed: int = 0  # the drawn seed: which examples of a run have every check (checks.battery); 0 has them

    def fresh(self) -> dict[str, Any]:
        """Deep copies, so a call that writes into its arguments cannot spoil the next call."""
        return {k: copy.deepcopy(v) for k, v in self.values.items()}


def shape_of(shape: tuple[str | int, ...], sizes: Mapping[str, Any]) -> tuple[int, ...]:
    """Resolve symbolic dims; a name starting with '*' expands a drawn tuple (variable rank)."""
    out: list[int] = []
    for dim in shape:
        if isinstance(dim, int):
            out.append(dim)
        elif dim.startswith("*"):
            out.extend(int(d) for d in sizes[dim[1:]])
        else:
            out.append(int(sizes[dim]))
    return tuple(out)


def _spread(values: np.ndarray, gap: float, avoid_zero: bool, distinct: bool) -> np.ndarray:
    """Move values at least `gap` apart from 0 and from each other, keeping their order."""
    flat = values.ravel().copy()
    if avoid_zero:
        flat = np.where(np.abs(flat) < gap, np.where(flat < 0, -gap, gap), flat)
    if distinct and flat.size > 1:
        order = np.argsort(flat, kind="stable")
        ranked = flat[order]
        # Each value at least `gap` above its predecessor; zero-avoidance is kept by re-applying it
        # on the shifted ranks (ties at the origin split to both sides).
        for i in range(1, ranked.size):
            if ranked[i] - ranked[i - 1] < gap:
                ranked[i] = ranked[i - 1] + gap
        if avoid_zero:
            near = np.abs(ranked) < gap / 2
            ranked[near] = np.sign(ranked[near] + 1e-300) * gap
        flat[order] = ranked
    return flat.reshape(values.shape)


def _rng(seed: int, stream: int) -> np.random.Generator:
    # One stream per input: shrunk seeds are all 0, and x, w and b must still differ.
    return np.random.default_rng([seed, stream])


def build_array(
    spec: Array, shape: tuple[int, ...], seed: int, scale: float, grid: bool, stream: int = 0, offset: float = 0.0
) -> np.ndarray:
    rng = _rng(seed, stream)
    values = rng.standard_normal(shape) * scale
    if grid:
        step = scale / 2
        values = np.round(values / step) * step
    if spec.positive:
        values = np.abs(values) + spec.floor * scale
    if spec.avoid_zero or spec.distinct:
        # sqrt(2) keeps sums of gaps off round numbers (an svm margin of exactly 0, say)
        values = _spread(values, 1e-2 * np.sqrt(2) * scale, spec.avoid_zero, spec.distinct)
    return (values + offset).astype(np.float64)


@st.composite
def _sizes(draw: st.DrawFn, spec: GateSpec) -> dict[str, Any]:
    # drawn one by one, not by st.fixed_dictionaries: a third cheaper, the same choices
    sizes = {name: draw(strategy) for name, strategy in spec.sizes.items()}
    return sizes if spec.derive is None else {**sizes, **spec.derive(sizes)}


def examples(spec: GateSpec, sizes: Callable[[Mapping[str, Any]], bool] | None = None) -> st.SearchStrategy[Example]:
    """Strategy of `Example`s for `spec`: sizes once (those where `sizes(...)` holds, if given: a
    condition on shapes is met before any array is built), then each input built from them."""
    return _examples(spec, _sizes(spec) if sizes is None else _sizes(spec).filter(sizes), _scales(spec))


def batches(spec: GateSpec, count: int) -> st.SearchStrategy[list[Example]]:
    """`count` examples at once, each with sizes of its own: a hypothesis test case costs about as
    much as a small gate's whole check, so the engine runs several examples in each."""
    return _batch(spec, _scales(spec), count)


def _scales(spec: GateSpec) -> dict[str, tuple[tuple[float, float], ...]]:
    # Each input's (scale, offset) magnitudes, the plain scales first: variety level 0 (what
    # shrinking goes to) takes the first.
    return {
        name: (*((s, 0.0) for s in inp.scales), *inp.offsets)
        for name, inp in spec.inputs.items()
        if isinstance(inp, Array)
    }


def condition_examples(
    spec: GateSpec, predicate: Callable[[Mapping[str, Any], Mapping[str, Any]], bool],
    sizes: Callable[[Mapping[str, Any]], bool] | None = None,
) -> st.SearchStrategy[Example]:  # fmt: skip
    """`examples(spec, sizes)` restricted to examples where `predicate(sizes, values)` holds (a
    diagnosis's search for examples without a condition, or with a square operand)."""
    return examples(spec, sizes).filter(lambda e: predicate(e.sizes, e.values))


@st.composite
def _examples(
    draw: st.DrawFn, spec: GateSpec, sizes_strategy: st.SearchStrategy[dict[str, Any]],
    scales: Mapping[str, tuple[tuple[float, float], ...]],
) -> Example:  # fmt: skip
    return _example(spec, draw(sizes_strategy), draw(_SEEDS), draw(_VARIETY), scales)


@st.composite
def _batch(draw: st.DrawFn, spec: GateSpec, scales: Mapping[str, tuple[tuple[float, float], ...]], count: int) -> list[Example]:
    drawn = [(draw(_sizes(spec)), draw(_SEEDS), draw(_VARIETY)) for _ in range(count)]
    # Every seed is mixed with the whole test case's draws: hypothesis makes new test cases by
    # changing a part of an old one, and the examples in the unchanged parts would be repeats.
    salt = zlib.crc32(repr(drawn).encode())
    return [_example(spec, sizes, (seed + salt + i) % 2**32, level, scales) for i, (sizes, seed, level) in enumerate(drawn)]


def _example(
    spec: GateSpec, sizes: dict[str, Any], seed: int, level: int, scales: Mapping[str, tuple[tuple[float, float], ...]]
) -> Example:
    picks = _rng(seed, _VARIETY_STREAM) if level else None
    values: dict[str, Any] = {}
    for stream, (name, inp) in enumerate(spec.inputs.items()):
        if isinstance(inp, Array) and inp.when is not None and not sizes[inp.when]:
            continue  # an optional input (a model's gamma1 without normalization) this example lacks
        if isinstance(inp, Array):
            magnitudes = scales[name]
            scale, offset = magnitudes[int(picks.integers(len(magnitudes)))] if picks is not None else magnitudes[0]
            grid = bool(picks.integers(2)) and inp.grid if picks is not None else False
            values[name] = build_array(inp, shape_of(inp.shape, sizes), seed, scale, grid, stream, offset)
        elif isinstance(inp, Labels):
            classes = int(sizes[inp.classes])
            values[name] = _rng(seed, stream).integers(0, classes, shape_of(inp.shape, sizes))
        elif isinstance(inp, Fixed):
            values[name] = inp.build(sizes, _rng(seed, stream))
        else:  # pragma: no cover - the spec types are closed
            raise TypeError(f"unknown input type {type(inp).__name__}")
    return Example(sizes=sizes, values=values, dout_seed=seed ^ _DOUT, seed=seed)


def element_count(example: Example, spec: GateSpec) -> int:
    return sum(int(math.prod(np.shape(example.values[k]))) for k in spec.differentiable if k in example.values)
