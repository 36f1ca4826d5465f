"""Stochastic layers (dropout) judged by their own mask, as the spec's `Mask` declares it, never by
the random call that drew it (np.random.rand, binomial, choice, a seeded Generator all pass).

Per example (`read`): the mask is read from the student's output as out / input (the input avoids
zero), each entry must be one of the values the spec allows on these sizes, and the reference is
input times that mask: backward is then checked against dout times the same mask. A wrong mask is
named by the first of the spec's `WrongMask`s whose values it fits.

The fraction of units kept is a property of many units, not of a tiny example: `probe` checks it
on large inputs after the examples have passed, together with the seed actually changing the mask.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from gradgate.gates.spec import Array, Fixed, GateSpec, Labels, Mask

from .adapters import Adapter
from .examples import Example, build_array, shape_of
from .numeric import elementwise_error
from .reference import Reference
from .guard import StudentError
from .results import Check, Status

FALSE_FAIL = 1e-6  # the chance that a correct layer fails the kept-fraction probe in one run
PROBE_SEEDS = 2  # seeds per probed keep probability (their masks must differ)
VALUES_NAMED = 4  # distinct mask values quoted in a message


def tolerance(units: int, tests: int) -> float:
    """How far the kept fraction of `units` independent units may be from its probability.

    Hoeffding's inequality: for n independent units each kept with probability q, the kept fraction
    K/n satisfies P(|K/n - q| >= t) <= 2 exp(-2 n t^2). Over `tests` such tests in one run the union
    bound gives P(any fails) <= tests * 2 exp(-2 n t^2); setting that to FALSE_FAIL,
    t = sqrt(ln(2 tests / FALSE_FAIL) / (2 n)). For 8 tests of 10,000 units: t = 0.029 (keep
    probabilities 0.25 and 0.75 are 17 t apart).
    """
    return math.sqrt(math.log(2 * tests / FALSE_FAIL) / (2 * units))


@dataclass(frozen=True)
class Reading:
    """The student's mask on one example and the reference it implies, or why there is none."""

    mask: np.ndarray  # out / input, as the student's forward gave it
    reference: Reference | None  # input times the allowed value nearest each entry
    error: np.ndarray  # per entry: relative distance of out from the reference
    check: Check = Check.FORWARD
    message: str = ""  # empty when every entry of the mask is allowed


def _declared(spec: GateSpec) -> Mask:
    assert spec.stochastic is not None, "only a stochastic spec has a mask"
    return spec.stochastic


def _values(values: np.ndarray) -> str:
    shown = sorted({float(f"{v:.6g}") for v in values.ravel()[:10_000]})
    text = ", ".join(f"{v:.4g}" for v in shown[:VALUES_NAMED])
    return "{" + text + (", ..." if len(shown) > VALUES_NAMED else "") + "}"


def _nearest(mask: np.ndarray, allowed: tuple[float, ...]) -> np.ndarray:
    choices = np.asarray(allowed, dtype=np.float64)
    finite = np.where(np.isfinite(mask), mask, 0.0)
    return choices[np.argmin(np.abs(finite[..., None] - choices), axis=-1)]


def _fits(mask: np.ndarray, allowed: tuple[float, ...], limit: float) -> bool:
    return bool(np.all(elementwise_error(mask, _nearest(mask, allowed)) <= limit))


def _times(spec: GateSpec, mask: np.ndarray) -> Callable[..., Any]:
    """The reference forward: the masked input times the mask, as a torch function of the inputs."""
    position = list(spec.inputs).index(_declared(spec).input)
    factor = torch.as_tensor(mask, dtype=torch.float64)

    def forward(*args: Any, **constants: Any) -> torch.Tensor:
        return args[position] * factor

    return forward


def read(spec: GateSpec, example: Example, out: np.ndarray, limit: float) -> Reading:
    """The mask the student's forward drew on this example, judged against the declared values."""
    declared = _declared(spec)
    name = declared.input
    x = np.asarray(example.values[name], dtype=np.float64)
    empty = np.zeros(0)
    if out.shape != x.shape and not (out.size == 1 and x.size == 1):
        return Reading(empty, None, empty, Check.CONTRACT, f"forward returned shape {out.shape}, expected {x.shape}")
    out = out.reshape(x.shape)
    with np.errstate(all="ignore"):
        mask = out / x
    allowed = tuple(declared.values(example.sizes))
    reference = Reference(spec, example.values, example.sizes, _times(spec, _nearest(mask, allowed)))
    error = elementwise_error(out, reference.out)
    wrong = ~(error <= limit)  # NaN is wrong too
    if not wrong.any():
        return Reading(mask, reference, error)
    seen = _values(mask[np.isfinite(mask)])
    for mistake in declared.wrong:
        values = mistake.values(example.sizes)
        if values is not None and np.all(np.isfinite(mask)) and _fits(mask, tuple(values), limit):
            message = f"{mistake.message}: out / {name} takes the values {seen}, expected {_values(np.asarray(allowed))}"
            break
    else:
        first = ", ".join(str(int(i)) for i in np.argwhere(wrong)[0])
        message = (
            f"forward is not {name} times a mask of {_values(np.asarray(allowed))}: out / {name} is "
            f"{float(mask[tuple(np.argwhere(wrong)[0])]):.6g} at [{first}] ({int(wrong.sum())} such entries)"
        )
    return Reading(mask, reference, error, Check.FORWARD, message)


def build(spec: GateSpec, sizes: Mapping[str, Any], seed: int) -> Example:
    """An example of exactly these sizes, its inputs drawn from `seed` (no magnitude or grid choice)."""
    sizes = {**sizes, **(spec.derive(sizes) if spec.derive else {})}
    values: dict[str, Any] = {}
    for stream, (name, inp) in enumerate(spec.inputs.items()):
        rng = np.random.default_rng([seed, stream])
        if isinstance(inp, Array):
            if inp.when is None or sizes[inp.when]:
                values[name] = build_array(inp, shape_of(inp.shape, sizes), seed, inp.scales[0], False, stream)
        elif isinstance(inp, Labels):
            values[name] = rng.integers(0, int(sizes[inp.classes]), shape_of(inp.shape, sizes))
        elif isinstance(inp, Fixed):
            values[name] = inp.build(sizes, rng)
    return Example(sizes=sizes, values=values)


@dataclass(frozen=True)
class Finding:
    """What the probe found wrong, on the example that shows it."""

    example: Example
    check: Check
    message: str
    status: Status = Status.FAIL  # ERROR: the student's code crashed on it


def probe(spec: GateSpec, adapter: Adapter, seed: int, limit: float) -> Finding | None:
    """The kept fraction on large inputs: within `tolerance` of the declared one for every probed
    keep probability and seed, and two seeds giving two masks (where the mask is random at all)."""
    declared = _declared(spec)
    seeds = [int(s) for s in np.random.default_rng([seed, 0x5EED]).choice(2**16, PROBE_SEEDS, replace=False)]
    tests = len(declared.probe) * PROBE_SEEDS
    for base in declared.probe:
        masks: list[np.ndarray] = []
        for s in seeds:
            example = build(spec, {**base, declared.seed: s}, s)
            try:
                out, _ = adapter.forward(example.fresh(), example.sizes)
            except StudentError as exc:  # a crash on the large input (a timeout aborts the whole check)
                return Finding(example, Check.CONTRACT, str(exc), Status.ERROR)
            reading = read(spec, example, out, limit)
            if reading.message:
                return Finding(example, reading.check, reading.message)
            kept_mask = _nearest(reading.mask, tuple(declared.values(example.sizes))) != 0
            kept, expected = float(kept_mask.mean()), float(declared.kept(example.sizes))
            margin = tolerance(kept_mask.size, tests)
            if abs(kept - expected) > margin:
                named = next((w.message for w in declared.wrong if _near(w.kept(example.sizes), kept, margin)), None)
                on = ", ".join(f"{k}={v}" for k, v in example.sizes.items())
                detail = f"{kept:.3f} of {kept_mask.size} units kept on {on}, expected {expected:.3g} ± {margin:.3f}"
                return Finding(example, Check.FORWARD, f"{named}: {detail}" if named else f"the fraction of units kept is wrong: {detail}")
            masks.append(kept_mask)
        if 0 < expected < 1 and all(np.array_equal(masks[0], m) for m in masks[1:]):
            return Finding(
                example, Check.FORWARD,
                f"{declared.seed}={seeds[0]} and {declared.seed}={seeds[-1]} gave the same mask: the mask ignores the seed",
            )  # fmt: skip
    return None


def _near(value: float | None, measured: float, margin: float) -> bool:
    return value is not None and abs(value - measured) <= margin
