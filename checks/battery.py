"""The check battery on one example: contract, forward vs torch, backward vs torch, backward vs
finite differences, no mutation, determinism. Returns measurements; decides nothing about shrinking.

Cost per example, whatever the input size: 2 student forwards (the checked call and the
determinism repeat), 4 for the finite difference along one random joint direction, 2 backwards
(the second one proves the cache was left alone), plus at most KINK_PROBES single-entry differences
when torch and the student disagree on entries that may sit on a kink.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gradgate.gates.spec import Array, Fixed, GateSpec

from . import stochastic
from .planned import Backward, Forward, Outputs
from .adapters import Adapter, as_array
from .differences import axis_of_one, changed_in_place, param_differences, same_shape, upstream, where
from .examples import Example
from .guard import NOT_IMPLEMENTED, NotImplementedYet, StudentError, StudentRaised
from .numeric import Difference, difference, elementwise_error, points, rel_error
from .reference import Reference
from .results import AdvisoryKind, Check, Status
from .time_limit import TimeLimit
from .tolerances import CANCELLATION_ATOL, FAIL_ABOVE, FD_STEP

KINK_PROBES = 16  # entries probed for a kink when torch and the student disagree
LOCATE_LIMIT = 1024  # entries per input differenced one by one on the minimal example
WRONG_ENTRIES_SHOWN = 20


@dataclass
class Measurement:
    check: Check
    input: str | None
    error: float | None
    status: Status = Status.PASS
    message: str = ""


@dataclass
class Picture:
    """Per-entry view of one gradient: the student's, the expected one, their relative error."""

    input: str
    analytic: np.ndarray
    expected: np.ndarray
    error: np.ndarray


@dataclass
class Outcome:
    limits: Mapping[Check, float] = field(default_factory=lambda: FAIL_ABOVE)  # what this example is judged by
    measurements: list[Measurement] = field(default_factory=list)
    pictures: dict[str, Picture] = field(default_factory=dict)
    dout: np.ndarray | None = None
    grads: dict[str, np.ndarray] = field(default_factory=dict)  # the student's, where well formed
    # Advisories this example shows (a consumed cache, a harmless offset in a running statistic):
    # never a status; the engine keeps the first of each kind with its example.
    notes: list[tuple[AdvisoryKind, str]] = field(default_factory=list)
    raised: bool = False  # the student's code raised on this example (not just broke the convention)

    @property
    def failure(self) -> Measurement | None:
        return next((m for m in self.measurements if m.status is not Status.PASS), None)

    def add(self, check: Check, input: str | None, error: float | None, message: str = "") -> Measurement:
        limit = self.limits.get(check)
        failed = error is not None and limit is not None and not (error <= limit)
        m = Measurement(check, input, error, Status.FAIL if failed else Status.PASS, message if failed else "")
        self.measurements.append(m)
        return m

    def fail(self, check: Check, input: str | None, message: str, status: Status = Status.FAIL) -> None:
        self.measurements.append(Measurement(check, input, None, status, message))


def _mutated(result: Outcome, k: str) -> bool:
    """Whether a mutation of input k is already reported (by the forward)."""
    return any(m.check is Check.MUTATION and m.input == k for m in result.measurements)


def _template_zeros(out: np.ndarray, grads: dict[str, np.ndarray], expected: np.ndarray) -> bool:
    """Output and every gradient exactly zero where the reference output is not: only a function
    still at its zero-initialised template returns that (a correct one's output would not be 0)."""
    return bool(grads) and not out.any() and bool(expected.any()) and not any(g.any() for g in grads.values())


def _spread_seed(seed: int) -> int:
    """The seed, mixed: hypothesis favours round seeds (256, 2**27), which a plain modulus would
    pick out; 0, where shrinking goes, stays 0."""
    return ((seed * 0x9E3779B1) & 0xFFFFFFFF) >> 16


class Battery:
    """Runs the checks of one adapter on examples of its spec."""

    def __init__(self, spec: GateSpec, adapter: Adapter, limits: Mapping[Check, float] = FAIL_ABOVE, every: int = 1) -> None:
        self.spec = spec
        # One example in `every` (by its seed, so a shrunk or replayed example gets the same checks)
        # repeats calls to check what a correct torch comparison already implies: finite differences
        # of the student's own forward, a second forward, a second backward. The others leave the
        # finite differences to an example with no reference or a disagreement with it.
        self.every = every
        self.adapter = adapter
        self.limits = limits  # FAIL_ABOVE, or a grader's per-gate overrides of it
        self.diff = spec.differentiable
        # Which of the spec's reference variants this implementation follows: read from its forward
        # on the first example, then kept for every example (see gates.spec.Variants).
        self.variant: str | None = None
        self.possible: list[str] | None = None  # the variants the outputs so far fit
        self.time_limit = TimeLimit(spec, adapter.guard)

    def _reference(self, example: Example, out: np.ndarray, observed: Mapping[str, np.ndarray]) -> tuple[Reference | None, list[Reference]]:
        """The reference for this example, and the other variants its output fits equally (their
        gradients may differ where the output does not tell them apart: a model's loss with a zero
        weight matrix does not show which dropout mask was drawn). `observed`: what the student's
        forward drew itself (its masks), which the reference takes as given."""
        refs = self.spec.references
        if not refs or (self.spec.reference_on is not None and not self.spec.reference_on(example.sizes)):
            return None, []  # no reference, or none that can judge this example (a student's own dropout mask)
        if self.variant is not None:
            return Reference(self.spec, example.values, example.sizes, refs[self.variant], observed), []
        if len(refs) == 1:
            self.variant = next(iter(refs))
            return Reference(self.spec, example.values, example.sizes, refs[self.variant], observed), []
        # Undecided: the variants still possible narrow to those this output fits, example by example;
        # one left is kept from then on. If the output fits none, the closest is kept (and judged).
        possible = self.possible if self.possible is not None else list(refs)
        built = {label: Reference(self.spec, example.values, example.sizes, refs[label], observed) for label in possible}
        errors = {
            label: rel_error(out.reshape(r.out.shape), r.out) for label, r in built.items() if same_shape(out.shape, r.out.shape)
        }
        fits = [label for label, e in errors.items() if e <= self.limits[Check.FORWARD]]
        if fits:
            self.possible = fits
            if len(fits) == 1:
                self.variant = fits[0]
            return built[fits[0]], [built[label] for label in fits[1:]]
        chosen = min(errors, key=errors.__getitem__) if errors else possible[0]
        self.variant = chosen
        return built[chosen], []

    def _masked(self, example: Example, out: np.ndarray, result: Outcome) -> Reference | None:
        """A stochastic layer's reference: its input times the student's own mask, if that mask is
        one the spec allows (see checks.stochastic); else the failure is recorded and None returned."""
        reading = stochastic.read(self.spec, example, out, self.limits[Check.FORWARD])
        if reading.check is Check.CONTRACT:
            result.fail(Check.CONTRACT, "out", reading.message)
        elif reading.message:
            assert reading.reference is not None
            m = result.add(Check.FORWARD, "out", float(np.max(reading.error, initial=0.0)))
            m.message = reading.message
            result.pictures["out"] = Picture("out", out.reshape(reading.mask.shape), reading.reference.out, reading.error)
        return None if reading.message else reading.reference

    def _forward(self, example: Example) -> tuple[np.ndarray, Any]:
        return self.adapter.forward(example.fresh(), example.sizes)

    @staticmethod
    def _shifted(example: Example, shift: dict[str, np.ndarray]) -> dict[str, Any]:
        args = example.fresh()
        for k, d in shift.items():
            args[k] = args[k] + d
        return args

    def _loss(
        self, example: Example, dout: np.ndarray, directions: dict[str, np.ndarray], ready: Sequence[dict[str, Any]] | None = None
    ) -> Callable[[Sequence[float]], list[tuple[float, float]]]:
        """`ready`: the shifted arguments at numeric.points(FD_STEP), built already for the plan."""

        def F(ts: Sequence[float]) -> list[tuple[float, float]]:
            shifted = ready if ready is not None else [self._shifted(example, {k: t * d for k, d in directions.items()}) for t in ts]
            values = []
            for out in self.adapter.outputs(shifted, example.sizes):
                out = out.reshape(dout.shape) if out.size == dout.size else np.full(dout.shape, np.nan)
                values.append((_dot(dout, out), _magnitude(dout, out)))
            return values

        return F

    def examine(self, example: Example, *, locate: bool = False, shared: bool = False) -> Outcome:
        """All checks on one example; `shared`: one of a run's, which has the repeated calls on one
        in `every`. `locate` adds per-entry pictures of every gradient."""
        result = Outcome(self.limits)
        self.time_limit.before(example)
        try:
            self._examine(example, result, locate, full=not shared or _spread_seed(example.seed) % self.every == 0)
        except StudentError as exc:
            result.fail(Check.CONTRACT, None, str(exc), Status.ERROR)
            result.raised = isinstance(exc, StudentRaised)
        finally:
            self.adapter.expect(example.sizes, ())  # what this example did not reach is not the next one's
        return result

    def _examine(self, example: Example, result: Outcome, locate: bool, full: bool) -> None:
        arrays = [k for k, v in example.values.items() if isinstance(v, np.ndarray)]
        diff = tuple(k for k in self.diff if k in example.values)  # optional inputs may be absent

        # forward, and the arguments it must leave alone
        args = example.fresh()
        out, state = self.adapter.forward(args, example.sizes)
        for k in arrays:
            if how := changed_in_place(args[k], example.values[k]):
                result.fail(Check.MUTATION, k, f"forward changed its argument {k} in place ({how})")

        if self.spec.stochastic is None:
            ref, equally = self._reference(example, out, self.adapter.observed(state))
        else:
            ref, equally = self._masked(example, out, result), []
        if ref is None and self.spec.stochastic is not None:
            return  # the mask itself is wrong (recorded)
        if ref is not None:
            if not same_shape(out.shape, ref.out.shape):
                result.fail(Check.CONTRACT, "out", f"forward returned shape {out.shape}, expected {ref.out.shape}")
                return
            out = out.reshape(ref.out.shape)
            largest = float(np.abs(ref.out).max(initial=0.0))
            err = elementwise_error(out, ref.out, CANCELLATION_ATOL * largest)
            if np.any(err > self.limits[Check.FORWARD]):
                # an output far smaller than the inputs is what is left where terms of their size
                # cancel (a softmax loss of 2e-11 is lse - x[y] of logits near -131): their rounding
                inputs = [example.values[k] for k in arrays if isinstance(self.spec.inputs.get(k), Array)]
                largest = max([largest, *(float(np.abs(v).max(initial=0.0)) for v in inputs)])
                err = elementwise_error(out, ref.out, CANCELLATION_ATOL * largest)
            m = result.add(Check.FORWARD, "out", float(err.max(initial=0.0)))
            if m.status is Status.FAIL:
                bad = err > self.limits[Check.FORWARD]
                nonfinite = " (NaN or inf where the reference is finite)" if not np.all(np.isfinite(out)) else ""
                m.message = f"forward differs from the torch reference{nonfinite}: {where(bad)}"
                result.pictures["out"] = Picture("out", out, ref.out, err)
            for k, expected in ref.fixed.items():
                # Param dicts are the course's channel for state (batchnorm's running statistics):
                # the student's must end as the reference's does.
                inp = self.spec.inputs[k]
                harmless: list[str] = []
                floors = inp.floors if isinstance(inp, Fixed) else {}
                wrong = param_differences(args[k], expected, k, self.limits[Check.FORWARD], floors, harmless)
                if wrong:
                    result.fail(Check.FORWARD, k, f"after forward, {k} differs from the reference: {'; '.join(wrong[:3])}")
                elif harmless:
                    result.notes.append((AdvisoryKind.RUNNING_STATISTICS, f"after forward, {'; '.join(harmless[:3])}; harmless"))
        elif not np.all(np.isfinite(out)):
            result.fail(Check.CONTRACT, "out", f"forward returned NaN or inf ({where(~np.isfinite(out))})")
            return
        if self.spec.backward_on is not None and not self.spec.backward_on(example.sizes):
            if full:
                self._determinism(example, out, result)  # an example the course defines no backward for
            return

        # backward, and the upstream gradient and cache it must leave alone
        rng = np.random.default_rng([example.dout_seed, len(example.values)])
        dout = rng.standard_normal(out.shape)
        result.dout = dout
        base = _Base(dout, _dot(dout, out), _magnitude(dout, out))
        sent = dout.copy()
        # the finite differences' direction, drawn here (the same values as after backward) so that
        # every remaining call of this example is known before backward runs: a sandbox makes them
        # in one round trip (checks.planned)
        directions = {k: rng.standard_normal(np.shape(example.values[k])) * _scale(example.values[k]) for k in diff}
        def shifted() -> list[dict[str, Any]]:  # the finite differences' arguments
            return [self._shifted(example, {k: t * d for k, d in directions.items()}) for t in points(FD_STEP)]

        planned = full or ref is None or result.failure is not None  # the finite differences certainly run
        fd_args = shifted() if planned else None
        again = dout.copy()
        fresh = example.fresh() if full else None
        if full:
            assert fd_args is not None and fresh is not None
            self.adapter.expect(example.sizes, (Backward(sent, state), Backward(again, state), Outputs(fd_args), Forward(fresh)))
        else:
            self.adapter.expect(example.sizes, (Backward(sent, state), *([Outputs(fd_args)] if fd_args else [])))
        raw = self.adapter.backward(sent, state)
        grads: dict[str, np.ndarray] = {}
        for k, g in zip(diff, raw, strict=True):
            g = as_array(g, f"the gradient d{k}")
            if not same_shape(g.shape, example.values[k].shape):
                result.fail(Check.CONTRACT, f"d{k}", f"d{k} has shape {g.shape}, expected {example.values[k].shape}{axis_of_one(g.shape, example.values[k].shape)}")
            elif not np.all(np.isfinite(g)):
                result.fail(Check.CONTRACT, f"d{k}", f"d{k} is not finite ({where(~np.isfinite(g))})")
            else:
                grads[k] = g.reshape(example.values[k].shape)
        if not np.array_equal(sent, dout):
            result.fail(Check.MUTATION, "dout", f"backward changed {upstream(sent != dout, ref)}")
        # The forward's arguments are the arrays its cache holds: the caller's, still.
        for k in arrays:
            if not _mutated(result, k) and (how := changed_in_place(args[k], example.values[k])):
                result.fail(Check.MUTATION, k, f"backward changed the forward's argument {k} in place ({how})")
        if full:
            self._again(diff, again, state, grads, result)
        result.grads = grads
        if len(grads) < len(diff):
            return
        if ref is not None and _template_zeros(out, grads, ref.out):
            # `loss = 0.0; dW = np.zeros_like(W); pass`: the course's template, not a wrong formula.
            result.measurements = [m for m in result.measurements if m.check is not Check.FORWARD]
            raise NotImplementedYet(f"{NOT_IMPLEMENTED}: returns only zeros (the template's initial values)")

        # backward vs torch, entry by entry; disagreements on a kink of the student's forward are excused.
        # Cancellation is measured against the example's largest reference gradient: a gradient that
        # is exactly zero by structure (a bias in front of batchnorm) comes out of autograd as the
        # rounding residue of terms of that size, not as 0.
        # A course whose backward returns a multiple of the gradient (DLS: dW = dZ A_prevᵀ / m, the
        # cost's mean taken there) is compared as such, with torch and with finite differences alike.
        factor = dict(self.spec.gradient_scale(example.sizes)) if self.spec.gradient_scale else {}
        expected = tuple(g * factor.get(k, 1.0) for k, g in zip(diff, ref.vjp(dout), strict=True)) if ref is not None else ()
        if equally:  # variants this output cannot tell apart: the gradients of the closest one
            options = [expected, *(r.vjp(dout) for r in equally)]
            expected = min(options, key=lambda e: max((rel_error(grads[k], rg) for k, rg in zip(diff, e, strict=False)), default=0.0))
        scale = max((float(np.abs(rg).max(initial=0.0)) for rg in expected), default=0.0)
        terms: float | None = None  # the graph's largest gradient, read only where an entry disagrees
        disputed = False  # an entry disagrees with torch (a kink of the student's forward or not)
        for k, rg in zip(diff, expected, strict=False):
            err = elementwise_error(grads[k], rg, CANCELLATION_ATOL * scale)
            bad = err > self.limits[Check.BACKWARD_TORCH]
            if bad.any() and ref is not None:
                # the terms summed inside the graph may be far larger than any final gradient
                terms = terms if terms is not None else ref.flowing(dout) * max([1.0, *factor.values()])
                err = elementwise_error(grads[k], rg, CANCELLATION_ATOL * max(scale, terms))
                bad = err > self.limits[Check.BACKWARD_TORCH]
            if bad.any():
                disputed = True
                err = np.where(self._kinks(example, base, k, bad), 0.0, err)
            m = result.add(Check.BACKWARD_TORCH, f"d{k}", float(err.max(initial=0.0)))
            if m.status is Status.FAIL:
                m.message = f"d{k} differs from torch autograd: {where(err > self.limits[Check.BACKWARD_TORCH])}"
                result.pictures[f"d{k}"] = Picture(f"d{k}", grads[k], rg, err)

        # backward vs finite differences of the student's own forward, along one random direction:
        # implied by a forward and a backward that both agree with torch, so made where one does not
        if not (planned or disputed):
            return
        fd_args = fd_args or shifted()
        fd = difference(self._loss(example, dout, directions, fd_args), base.f0, base.m0, FD_STEP)
        analytic = sum(float(np.sum(grads[k] * d)) / factor.get(k, 1.0) for k, d in directions.items())
        inputs = ",".join(f"d{k}" for k in diff)
        if fd.kink:
            result.add(Check.BACKWARD_FD, inputs, None)
        else:
            m = result.add(Check.BACKWARD_FD, inputs, fd.error(analytic))
            if m.status is Status.FAIL:
                m.message = (
                    f"the directional derivative of ({inputs}) is {analytic:.6g} by backward but "
                    f"{fd.numeric:.6g} by finite differences of forward"
                )
        if locate:
            for k in diff:
                numeric = self._per_entry(example, base, k) * factor.get(k, 1.0)
                key = f"d{k}"
                if key not in result.pictures:
                    result.pictures[key] = Picture(key, grads[k], numeric, elementwise_error(grads[k], numeric))

        if full:
            self._determinism(example, out, result, fresh)

    def _again(self, diff: tuple[str, ...], dout: np.ndarray, state: Any, grads: dict[str, np.ndarray], result: Outcome) -> None:
        """A second backward on the same cache: the same gradients, or, from a backward that frees its
        cache (cache.pop(), as PyTorch frees a graph), an error: fine for the course's single call.
        `dout` is a copy of the first call's upstream gradient, this call's to change."""
        try:
            again = self.adapter.backward(dout, state)
            again_grads = [as_array(g, f"d{k}") for k, g in zip(diff, again, strict=True)]
        except StudentError as exc:
            result.notes.append((
                AdvisoryKind.CONSUMED_CACHE,
                f"backward consumes its cache: a second backward call on it raises {exc}; fine for the course's single call",
            ))
            return
        # Zeros the second time where the first gave a gradient: a freed graph whose error the code
        # catches (EECS 498's own FastConv.backward returns zeros once torch has freed it, while the
        # student's batchnorm beside it in Conv_BatchNorm_ReLU still answers), consumed as a pop() consumes.
        zeroed = [k for k, g in zip(diff, again_grads, strict=True) if k in grads and not np.any(g) and np.any(grads[k])]
        differs = [
            k for k, g in zip(diff, again_grads, strict=True)
            if k in grads and k not in zeroed and (g.size != grads[k].size or rel_error(g.reshape(grads[k].shape), grads[k]) > 0)
        ]  # fmt: skip
        for k in differs:
            result.fail(Check.MUTATION, "cache", f"a second backward on the same cache gave a different d{k}")
        if zeroed and not differs:
            which = f" for {', '.join(f'd{k}' for k in zeroed)}" if any(np.any(g) for g in again_grads) else ""
            result.notes.append((
                AdvisoryKind.CONSUMED_CACHE,
                f"backward consumes its cache: a second backward call on it returns zeros{which} (a freed graph); fine for the course's single call",
            ))

    def _determinism(self, example: Example, out: np.ndarray, result: Outcome, args: dict[str, Any] | None = None) -> None:
        """The same input gives the same output."""
        out2, _ = self.adapter.forward(args, example.sizes) if args is not None else self._forward(example)
        if not same_shape(out2.shape, out.shape):
            result.fail(Check.DETERMINISM, "out", f"a second forward returned shape {out2.shape}, first {out.shape}")
        else:
            m = result.add(Check.DETERMINISM, "out", rel_error(out2.reshape(out.shape), out))
            if m.status is Status.FAIL:
                m.message = "the same input gave a different output on a second forward (unseeded randomness?)"

    def _entry(self, example: Example, base: _Base, k: str, index: tuple[int, ...]) -> Difference:
        x = example.values[k]
        direction = np.zeros_like(x)
        direction[index] = 1.0
        h = FD_STEP * max(1.0, abs(float(x[index])))
        return difference(self._loss(example, base.dout, {k: direction}), base.f0, base.m0, h)

    def _kinks(self, example: Example, base: _Base, k: str, bad: np.ndarray) -> np.ndarray:
        """Which of the `bad` entries sit on a kink of the student's forward (probing a sample)."""
        idx = np.argwhere(bad)
        probe = idx[np.linspace(0, len(idx) - 1, min(len(idx), KINK_PROBES)).astype(int)]
        kinks = [self._entry(example, base, k, tuple(i)).kink for i in probe]
        excused = np.zeros_like(bad)
        if len(idx) <= KINK_PROBES:
            for i, kink in zip(probe, kinks, strict=True):
                excused[tuple(i)] = kink
        elif all(kinks):
            excused = bad.copy()  # every probed entry is a kink: too many to tell apart, excuse all
        return excused

    def _per_entry(self, example: Example, base: _Base, k: str) -> np.ndarray:
        """Finite differences entry by entry (NaN on a kink or past LOCATE_LIMIT)."""
        x = example.values[k]
        numeric = np.full(x.shape, np.nan)
        for n, index in enumerate(np.ndindex(*x.shape)):
            if n >= LOCATE_LIMIT:
                break
            d = self._entry(example, base, k, index)
            numeric[index] = np.nan if d.kink else d.numeric
        return numeric


@dataclass(frozen=True)
class _Base:
    """The upstream gradient and F(0) = sum(dout * out) with its magnitude sum|dout * out|."""

    dout: np.ndarray
    f0: float
    m0: float


def _dot(dout: np.ndarray, out: np.ndarray) -> float:
    """sum(dout * out), the loss finite differences are taken of; NaN where out overflows both ways
    (without numpy's warning, which would point the student at numpy)."""
    with np.errstate(all="ignore"):
        return float((dout * out).sum())


def _magnitude(dout: np.ndarray, out: np.ndarray) -> float:
    """The scale of rounding in sum(dout * out). Each output counts as at least 1 in size: a small
    output (a softmax loss near 0) is usually a difference of order-1 intermediates, rounded at
    their scale, not its own."""
    return float((np.abs(dout) * np.maximum(1.0, np.abs(out))).sum())


def _scale(x: np.ndarray) -> float:
    return max(1.0, float(np.sqrt(np.square(x).sum() / x.size))) if x.size else 1.0  # np.mean's, without its Python wrapper

