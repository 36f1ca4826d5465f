"""The extreme-input probe: after a pass, a few deterministic inputs past the magnitudes that decide
the verdict (each Array's `extremes` in the spec), run through the same adapter as every other
call. Where the student's output or gradient is not finite, or is off, while the reference is
finite there, the finding becomes an OVERFLOW advisory saying what happened, on which input at what
magnitude, and the spec's advice for that symptom. Advisories never change a status, a check, the
examples run or an exit code; the probe costs at most one reference, one forward and one backward
per declared extreme and draw (PROBE_SEEDS), and stops at the first finding of each extreme.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from gradgate.gates.spec import Array, Extreme, GateSpec, Symptom

from .adapters import Adapter, as_array
from .conventions import Convention
from .examples import Example, build_array
from .guard import StudentAbort, StudentError
from .numeric import elementwise_error
from .reference import Reference
from .results import Advisory, AdvisoryKind, Check
from .tolerances import CANCELLATION_ATOL

PROBE_SEEDS = (0, 1, 2)  # the same extreme inputs on every run, whatever the run's seed


@dataclass(frozen=True)
class _Finding:
    symptom: Symptom
    text: str  # what was measured, in words


def probe(
    spec: GateSpec,
    adapter: Adapter,
    base: Example,
    variant: str | None,
    limits: Mapping[Check, float],
    jsonable: Callable[[Any], Any],
) -> list[Advisory]:
    """Advisories from the spec's extremes, each input rebuilt in turn on `base`'s sizes (the other
    inputs as `base` has them). `variant`: the reference the verdict was judged by."""
    references = spec.references
    if not references:
        return []  # no reference to tell a finite right answer from a wrong one
    fn = references.get(variant or "", next(iter(references.values())))
    advisories: list[Advisory] = []
    for stream, (name, inp) in enumerate(spec.inputs.items()):
        if not isinstance(inp, Array) or name not in base.values:
            continue
        for extreme in inp.extremes:
            found = None
            for seed in PROBE_SEEDS:  # a few draws: one may miss (a softmax's true class at the row max)
                values = dict(base.values)
                shape = np.shape(base.values[name])
                values[name] = build_array(inp, shape, seed, extreme.scale, False, stream, extreme.offset)
                try:
                    with np.errstate(all="ignore"):
                        finding = _examine(spec, adapter, Example(base.sizes, values, base.dout_seed), fn, limits)
                except StudentAbort:
                    # A hang or a dead process on an extreme input says nothing about its numbers,
                    # and the verdict is already decided: the probe stops here.
                    return advisories
                if finding is not None:
                    found = finding, values
                    break
            if found is None:
                continue
            finding, values = found
            seen = f"seen on {_magnitude(name, extreme, values[name])}: {finding.text}"
            advice = extreme.advice.get(finding.symptom)
            message = f"{advice} ({seen})" if advice else seen
            advisories.append(Advisory(AdvisoryKind.OVERFLOW, message, {k: jsonable(v) for k, v in values.items()}))
    return advisories


def _magnitude(name: str, extreme: Extreme, values: np.ndarray) -> str:
    around = f" around {extreme.offset:g}" if extreme.offset else ""
    span = f", entries from {np.min(values):.6g} to {np.max(values):.6g}" if values.size else ""
    return f"{name} at scale {extreme.scale:g}{around}{span}"


def _examine(
    spec: GateSpec, adapter: Adapter, example: Example, fn: Callable[..., Any], limits: Mapping[Check, float]
) -> _Finding | None:
    """The first thing wrong on one extreme example: the output, then each gradient."""
    ref = Reference(spec, example.values, example.sizes, fn)
    if not np.all(np.isfinite(ref.out)):
        return None  # the reference overflows too: nothing to advise
    try:
        out, state = adapter.forward(example.fresh(), example.sizes)
    except StudentError as exc:
        return _Finding(Symptom.RAISED, f"forward raised {exc}")
    if out.size != ref.out.size:
        return None  # a shape the verdict would have judged; not a robustness note
    what = "the loss" if spec.convention in (Convention.LOSS_FUNCTION, Convention.MODEL) else "the output"
    atol = CANCELLATION_ATOL * float(np.max(np.abs(ref.out), initial=0.0))
    finding = _compare(what, out.reshape(ref.out.shape), ref.out, limits[Check.FORWARD], atol)
    if finding is not None or (spec.backward_on is not None and not spec.backward_on(example.sizes)):
        return finding
    dout = np.random.default_rng([example.dout_seed, len(example.values)]).standard_normal(ref.out.shape)
    expected = ref.vjp(dout)
    try:
        grads = adapter.backward(dout.copy(), state)
    except StudentError as exc:
        return _Finding(Symptom.RAISED, f"backward raised {exc}")
    scale = max((float(np.max(np.abs(e), initial=0.0)) for e in expected), default=0.0)
    diff = tuple(k for k in spec.differentiable if k in example.values)
    for k, g, e in zip(diff, grads, expected, strict=False):
        try:
            g = as_array(g, f"d{k}")
        except StudentError:
            return None  # not an array: the verdict's contract check says so on ordinary inputs
        if g.size != e.size:
            return None
        finding = _compare(f"d{k}", g.reshape(e.shape), e, limits[Check.BACKWARD_TORCH], CANCELLATION_ATOL * scale)
        if finding is not None:
            return finding
    return None


def _compare(what: str, got: np.ndarray, expected: np.ndarray, limit: float, atol: float) -> _Finding | None:
    finite = np.isfinite(expected)
    for symptom, bad in ((Symptom.NAN, np.isnan(got) & finite), (Symptom.INF, np.isinf(got) & finite)):
        if bad.any():
            return _Finding(symptom, f"{what} is {symptom.value}{_entries(bad)} where the reference is {_first(expected, bad)}")
    err = np.where(finite, elementwise_error(got, expected, atol), 0.0)
    if float(err.max(initial=0.0)) > limit:
        bad = err > limit
        return _Finding(
            Symptom.WRONG,
            f"{what} is {_first(got, bad)}{_entries(bad)} where the reference is {_first(expected, bad)} "
            f"(relative error {float(err.max()):.1e})",
        )
    return None


def _entries(mask: np.ndarray) -> str:
    if mask.ndim == 0 or mask.size == 1:
        return ""
    idx = np.argwhere(mask)
    first = ", ".join(str(int(i)) for i in idx[0])
    return f" at {len(idx)} entr{'y' if len(idx) == 1 else 'ies'}, first at [{first}]," if len(idx) > 1 else f" at [{first}]"


def _first(values: np.ndarray, mask: np.ndarray) -> str:
    """The value at the first entry of `mask`."""
    value = float(values[tuple(np.argwhere(mask)[0])] if values.ndim else values)
    return f"{value + 0.0:.6g}"  # + 0.0: -0 shown as 0
