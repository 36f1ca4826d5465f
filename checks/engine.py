"""The one run function every front end calls: discover, match to the registry, fuzz, collect.

Per implementation, hypothesis generates examples from the spec and runs the battery on each. The
first failing example is shrunk by hypothesis to a minimal one; that one is examined again with
per-entry finite differences to locate the wrong entries, and reported.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from gradgate.defaults import DEFAULT_EXAMPLES, DEFAULT_TIMEOUT, Timeout
from gradgate.gates import REGISTRY
from gradgate.gates.spec import GateSpec
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky, HypothesisException

from . import stochastic
from .adapters import Adapter
from .battery import Battery, Outcome
from .conventions import Convention
from .diagnosis import diagnose, first_wrong
from .configurations import OptionEffect, configure, labels, named
from .discover import Candidate, Found, LoadError
from .examples import Example, batches, element_count, examples, seed_only
from .executor import IN_PROCESS, Executor
from .graph import trace
from .matching import judged
from .guard import NOT_IMPLEMENTED, StaffUnavailable, StudentAbort, StudentError
from .probes import probe
from .reference import Reference
from .results import (
    Advisory,
    AdvisoryKind,
    Check,
    CheckResult,
    Counterexample,
    Finding,
    GraphNode,
    ImplementationResult,
    RunReport,
    Status,
    Unchecked,
)
from .shipped import failing_handout
from .tolerances import FAIL_ABOVE

PASSES_KEPT = 400  # passing examples kept for a diagnosis
FAILURES_KEPT = 60  # failing examples a diagnosis tests its findings on
VALUES_SHOWN = 10_000  # entries of an input written out in a counterexample


@dataclass(frozen=True)
class Options:
    examples: int = DEFAULT_EXAMPLES
    seed: int = 0
    timeout: Timeout = DEFAULT_TIMEOUT
    derandomize: bool = False
    # A grader's overrides of checks/tolerances.py, by gate name (an assignment file's `tolerances`).
    tolerances: Mapping[str, Mapping[Check, float]] = field(default_factory=dict)

    def limits(self, gate: str) -> Mapping[Check, float]:
        return {**FAIL_ABOVE, **self.tolerances.get(gate, {})}


class _Failed(Exception):
    """Raised inside the hypothesis test so it shrinks; carries the example and its outcome."""

    def __init__(self, example: Example, outcome: Outcome) -> None:
        failure = outcome.failure
        super().__init__(f"{failure.check.value} {failure.status.value}" if failure else "failed")
        self.example = example
        self.outcome = outcome


class _Tally:
    """Worst error per (check, input) over every example, and the per-example worst for plots."""

    def __init__(self) -> None:
        self.worst: dict[tuple[Check, str | None], CheckResult] = {}
        self.per_example: list[float] = []
        self.count = 0

    def add(self, outcome: Outcome) -> None:
        self.count += 1
        gradient_errors = []
        for m in outcome.measurements:
            key = (m.check, m.input)
            cell = self.worst.setdefault(key, CheckResult(m.check, m.input))
            if m.error is not None and (cell.max_rel_error is None or m.error > cell.max_rel_error):
                cell.max_rel_error = m.error
            if m.status is not Status.PASS and cell.status is Status.PASS:
                # an example that failed this check, though the search ended on another failure
                # (a smaller example that raises): its error is shown, so is that it failed
                cell.status = m.status
            if m.check in (Check.BACKWARD_TORCH, Check.BACKWARD_FD) and m.error is not None:
                gradient_errors.append(m.error)
        if gradient_errors:
            self.per_example.append(round(math.log10(max(max(gradient_errors), 1e-17)), 2))

    def checks(self, failure: Outcome | None) -> list[CheckResult]:
        if failure is not None:
            for m in failure.measurements:
                if m.status is not Status.PASS:
                    cell = self.worst.setdefault((m.check, m.input), CheckResult(m.check, m.input))
                    cell.status = m.status
                    if m.error is not None:
                        cell.max_rel_error = max(cell.max_rel_error or 0.0, m.error)
        order = list(Check)
        return sorted(self.worst.values(), key=lambda c: (order.index(c.check), c.input or ""))


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.size > VALUES_SHOWN:
            value = value.ravel()[:VALUES_SHOWN]
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            # JSON has no NaN or inf: those entries are written as the strings "inf", "-inf", "nan"
            value = np.where(np.isfinite(value), value.astype(object), np.where(np.isnan(value), "nan", np.where(value > 0, "inf", "-inf")))
        return {"shape": list(value.shape), "values": value.tolist()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


# What JSON can hold of a constructor argument; a dtype or a callable is left to the class's default.
_PLAIN = (int, float, str, bool, list, tuple, type(None))


def _counterexample(spec: GateSpec, example: Example, outcome: Outcome, located: Outcome) -> Counterexample:
    failure = outcome.failure
    assert failure is not None
    picture = located.pictures.get(failure.input or "") if failure.input else None
    if picture is None and failure.check is Check.BACKWARD_FD:
        # The joint direction failed: show the input whose entries disagree most with finite differences.
        worst = max(located.pictures.values(), key=lambda p: float(np.nanmax(p.error, initial=0.0)), default=None)
        picture = worst
    cex = Counterexample(
        check=failure.check,
        input=failure.input,
        message=failure.message,
        sizes=_jsonable(dict(example.sizes)),
        inputs={k: _jsonable(v) for k, v in example.values.items()},
        dout=_jsonable(outcome.dout) if outcome.dout is not None else None,
        differentiable=[k for k in spec.differentiable if k in example.values],
    )
    if spec.construct is not None:
        kwargs = spec.construct(example.sizes)
        cex.construct = {k: _jsonable(v) for k, v in kwargs.items() if isinstance(v, _PLAIN)}
    if picture is not None:
        limit = Check.FORWARD if failure.check is Check.FORWARD else Check.BACKWARD_TORCH
        # NaN expected: a kink, where finite differences have no single answer; not a wrong entry.
        judged = np.where(np.isnan(np.asarray(picture.expected, dtype=float)), 0.0, picture.error)
        wrong = np.argwhere(judged > outcome.limits[limit])
        cex.input = picture.input
        # as arrays: a 0-d gradient times a scale is a numpy scalar, and the JSON keeps its shape
        cex.analytic = _jsonable(np.asarray(picture.analytic))
        cex.expected = _jsonable(np.asarray(picture.expected))
        cex.element_error = _jsonable(np.asarray(picture.error))
        cex.wrong_entries = [[int(i) for i in row] for row in wrong[:20]]
    return cex


def _graph(spec: GateSpec, example: Example, outcome: Outcome) -> list[GraphNode]:
    """The graph on one example, with the student's gradients where its outcome has them."""
    dout = outcome.dout if outcome.dout is not None else np.ones(Reference(spec, example.values, example.sizes).out.shape)
    return trace(spec, example, dout, outcome.grads, _jsonable)


def check_implementation(
    specs: Sequence[GateSpec],
    candidate: Candidate,
    options: Options,
    roots: Sequence[Path] = (),
    executor: Executor = IN_PROCESS,
    configuration: str | None = None,
) -> ImplementationResult:
    """Fuzz one implementation against its spec (or its alternatives, see `checks.matching.match`),
    in one of the `configurations` of the gate where it has them. One that calls course-provided
    code that cannot run here is an error result here; `run` lists it as not checked."""
    if configuration not in labels(specs):
        raise ValueError(f"{specs[0].name} is checked per configuration, one of {labels(specs)}: got {configuration!r}")
    result = _check_configuration(specs, configuration, candidate, options, roots, executor)
    if isinstance(result, Unchecked):
        spec = specs[0]
        return ImplementationResult(
            spec.name, result.name, Status.ERROR, [], message=result.reason, source=candidate.source,
            convention=candidate.convention.value, outputs=spec.outputs, configuration=configuration,
        )
    return result


def _check_configuration(
    specs: Sequence[GateSpec], label: str | None, candidate: Candidate, options: Options, roots: Sequence[Path],
    executor: Executor,
) -> ImplementationResult | Unchecked:  # fmt: skip
    """One configuration's verdict (the alternatives that have it), named after it, with its time."""
    started = time.perf_counter()
    result = _check_alternatives(configure(specs, label), candidate, options, roots, executor)
    if isinstance(result, Unchecked):
        return Unchecked(named(result.name, label), result.source, result.reason)
    handout = result.status is Status.ERROR and failing_handout(result.message, candidate.source, candidate.name, specs[0].shipped)
    if handout:
        return Unchecked(named(result.implementation, label), result.source, (
            f"not checked: {handout} raises inside the code the course hands out with the homework (unchanged up "
            f"to the line that raises), not in the student's code ({result.message})"
        ))
    result.implementation = named(result.implementation, label)
    result.configuration = label
    result.seconds = time.perf_counter() - started
    return result


def _check_alternatives(
    specs: Sequence[GateSpec], candidate: Candidate, options: Options, roots: Sequence[Path], executor: Executor
) -> ImplementationResult | Unchecked:
    """The first alternative the implementation passes; if none, the verdict of the one whose
    conventions it fits (its failure is in the values, not a shape or a call), then the one it got
    furthest with, so a student is judged by the convention they followed."""
    results = []
    for spec in specs:
        result = _check(spec, candidate, options, roots, executor)
        if isinstance(result, ImplementationResult):
            result.cell = candidate.cell
        if isinstance(result, Unchecked) or result.status is Status.PASS:
            return result
        results.append(result)
    def fit(r: ImplementationResult) -> tuple[bool, int]:
        return r.counterexample is not None and r.counterexample.check is not Check.CONTRACT, r.examples_run

    return max(results, key=fit)  # the first of equals


# An error inside gradgate while it checks one implementation is no verdict on the student's code.
OWN_FAILURE = "not checked: gradgate itself failed while checking it, which is gradgate's error, not yours; please report it"


def _check(
    spec: GateSpec, candidate: Candidate, options: Options, roots: Sequence[Path], executor: Executor
) -> ImplementationResult | Unchecked:
    try:
        with executor.session(spec, candidate, options.timeout, roots) as adapter:
            return _fuzz(spec, candidate, options, adapter)
    except StaffUnavailable as exc:  # not the student's doing: the course's code cannot run here
        return Unchecked(candidate.label, candidate.source, f"not checked: it {exc}")
    except (StudentError, StudentAbort) as exc:  # the executor could not even load it
        return ImplementationResult(
            spec.name, candidate.label, Status.ERROR, [], message=f"cannot be loaded: {exc}", source=candidate.source,
            convention=candidate.convention.value, outputs=spec.outputs,
        )
    except Exception as exc:  # a failure of gradgate's own: this implementation is not judged, the rest still are
        if _during_ctrl_c(exc):
            raise KeyboardInterrupt from None
        return Unchecked(candidate.label, candidate.source, f"{OWN_FAILURE} ({type(exc).__name__}: {exc})")


def _during_ctrl_c(exc: BaseException) -> bool:
    """Whether `exc` was raised while a KeyboardInterrupt was being handled."""
    seen = set()
    context = exc.__context__
    while context is not None and id(context) not in seen:
        if isinstance(context, KeyboardInterrupt):
            return True
        seen.add(id(context))
        context = context.__context__
    return False


# Examples per hypothesis test case, each with sizes of its own: hypothesis's own work per test case
# (its choice tree, random state, mutations) costs about a small gate's whole check (0.5 ms; 11% of
# the bench's corpus at 4 per test case).
EXAMPLES_PER_CASE = 8
# A run keeps at least this many test cases: hypothesis's first is all at the smallest sizes, and a
# short run of few test cases would leave the sizes unvaried (and conventions that differ only
# there untold apart).
CASES_AT_LEAST = 12
FULL_CHECKS = 12  # examples of a run, about, with every check (checks.battery's `every`)
FULL_CHECKS_EVERY = 8  # at most one example in this many goes without the repeated calls


def full_checks_every(examples: int) -> int:
    """One example in how many has every check: all of a short run's, one in 8 of 100 examples."""
    return max(1, min(FULL_CHECKS_EVERY, examples // FULL_CHECKS))


class _Enough(BaseException):
    """Raised inside the hypothesis test to end it once the examples asked for have passed: a
    BaseException, which hypothesis does not take for a failure to shrink."""


def _identity(example: Example) -> tuple[Any, ...]:
    """What makes an example: its seed, sizes and values."""
    arrays = tuple((k, v.shape, v.tobytes()) if isinstance(v, np.ndarray) else (k, repr(v)) for k, v in example.values.items())
    return example.seed, repr(sorted(example.sizes.items())), arrays


def _fuzz(spec: GateSpec, candidate: Candidate, options: Options, adapter: Adapter) -> ImplementationResult:
    battery = Battery(spec, adapter, options.limits(spec.name), every=full_checks_every(options.examples))
    effect = OptionEffect(spec, adapter, options.limits(spec.name)[Check.FORWARD])
    tally = _Tally()
    last: list[_Failed] = []
    passed: list[Example] = []  # for a diagnosis: the examples without the failure (bounded)
    simplest: list[tuple[int, Example, Outcome]] = []  # the fewest input entries seen, for the graph
    widest: list[tuple[int, Example]] = []  # the most, whose sizes the extreme-input probe uses
    noted: dict[AdvisoryKind, Advisory] = {}  # the first example showing each kind of advisory
    cleared: set[tuple[Any, ...]] = set()  # the examples that passed

    def body(batch: list[Example]) -> None:
        for example in batch:
            if tally.count >= options.examples and not last:
                raise _Enough  # that many different examples passed: hypothesis's remaining budget is not needed
            one(example)

    def one(example: Example) -> None:
        key = _identity(example)
        if key in cleared:
            return  # passed already: shrinking replays a test case's examples before the failing one
        outcome = battery.examine(example, shared=True)
        if outcome.failure is not None and spec.assumes is not None and not spec.assumes(example.sizes):
            # outside what the course lets students assume: whatever their code does there is no verdict
            # (nor its batch's test case); a wrong result is said beside it
            if not outcome.raised and AdvisoryKind.ASSUMED_AWAY not in noted:
                sizes = ", ".join(f"{k}={v}" for k, v in example.sizes.items() if not isinstance(v, (list, tuple, dict)))
                noted[AdvisoryKind.ASSUMED_AWAY] = Advisory(AdvisoryKind.ASSUMED_AWAY, (
                    f"on sizes the course's docstring lets you assume never come ({sizes}): "
                    f"{outcome.failure.message}; not part of the verdict"
                ), {k: _jsonable(v) for k, v in example.values.items()})  # fmt: skip
            reject()
        tally.add(outcome)
        if outcome.failure is None and len(passed) < PASSES_KEPT:
            passed.append(example)
        for kind, message in outcome.notes:
            if kind not in noted:
                noted[kind] = Advisory(kind, message, {k: _jsonable(v) for k, v in example.values.items()})
        size = element_count(example, spec)
        if spec.graph and (not simplest or size < simplest[0][0]):
            simplest[:] = [(size, example, outcome)]
        if not widest or size > widest[0][0]:
            widest[:] = [(size, example)]
        if outcome.failure is None:
            cleared.add(key)
        if outcome.failure is not None:
            failed = _Failed(example, outcome)
            last.append(failed)
            raise failed
        effect.observe(example)

    def search(strategy: st.SearchStrategy[Any], test: Callable[[Any], None], shrink: bool) -> Callable[[], None]:
        found = settings(
            max_examples=options.examples,  # test cases: room for hypothesis's repeats of examples seen
            database=None,
            deadline=None,
            derandomize=options.derandomize,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.generate, *([Phase.shrink] if shrink else [])),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(given(strategy)(test))
        if options.derandomize:
            return found  # type: ignore[no-any-return]
        return hypothesis_seed(zlib.crc32(f"{options.seed}:{named(spec.name, spec.configuration)}".encode()))(found)  # type: ignore[no-any-return]

    per_case = max(1, min(EXAMPLES_PER_CASE, options.examples // CASES_AT_LEAST))

    def searches() -> None:
        """Examples in batches until one fails; then the failure is shrunk one example per test case,
        as hypothesis shrinks best, in a search of its own (from the same seed it finds one again
        within as many examples as a rule; if not, the batch that failed is shrunk)."""
        try:
            search(batches(spec, per_case), body, shrink=False)()
        except _Failed:
            search(examples(spec), one, shrink=True)()
            search(batches(spec, per_case), body, shrink=True)()

    result = ImplementationResult(
        spec.name, candidate.label, Status.PASS, [], source=candidate.source,
        convention=candidate.convention.value, outputs=spec.outputs,
    )
    minimal: _Failed | None = None
    # The reference works on tiny tensors: a thread pool only adds hand-offs (5-10x slower on a
    # loaded machine). Restored afterwards, since the plugin runs inside the user's process.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with seed_only():
            searches()
    except _Failed as failed:
        minimal = failed
    except _Enough:
        pass
    except StaffUnavailable:
        raise
    except StudentAbort as exc:
        result.status = Status.ERROR
        result.message = str(exc)
    except (Flaky, HypothesisException, ExceptionGroup) as exc:
        # The student's code gave different verdicts on the same input; report the last failure seen.
        minimal = last[-1] if last else None
        if minimal is None:
            result.status = Status.ERROR
            result.message = f"could not be checked: {type(exc).__name__}: {exc}"
    except Exception as exc:
        if _during_ctrl_c(exc):
            # Ctrl-C early in hypothesis's engine trips its own `assert state._runner is not None`
            # while handling the interrupt: it is still the user's Ctrl-C, not a crash
            raise KeyboardInterrupt from None
        raise
    finally:
        torch.set_num_threads(threads)
    probed = minimal is None and result.status is Status.PASS and spec.stochastic is not None
    if probed:  # every example passed: the kept fraction, on large inputs (checks.stochastic)
        try:
            minimal = _probe(spec, adapter, options)
        except StudentAbort as exc:
            result.status = Status.ERROR
            result.message = str(exc)
    located: Outcome | None = None
    if minimal is not None:
        failure = minimal.outcome.failure
        assert failure is not None
        result.status = failure.status
        result.message = f"{failure.check.value}: {failure.message}"
        if failure.message.startswith(NOT_IMPLEMENTED):
            # Still the course's template: said as such, without an example to read through; the
            # sizes say where, for a function only partly written (batchnorm's test mode).
            sizes = ", ".join(f"{k}={v}" for k, v in minimal.example.sizes.items())
            result.message = f"{failure.message} (on {sizes})" if sizes else failure.message
        else:
            try:
                located = minimal.outcome if probed else battery.examine(minimal.example, locate=True)
            except StudentAbort:
                located = minimal.outcome
            result.counterexample = _counterexample(spec, minimal.example, minimal.outcome, located)
            result.diagnosis = _diagnosis(spec, battery, minimal, located, last, passed)
            if spec.convention is Convention.MODEL:
                wrong = first_wrong(spec, [m.input or "" for m in minimal.outcome.measurements if m.status is Status.FAIL])
                if wrong:
                    result.message += f" (first wrong gradient going backward: {wrong})"
    if spec.graph:
        # on the counterexample, else on the simplest example checked (no extra search for one)
        shown = (minimal.example, located or minimal.outcome) if minimal else simplest[0][1:] if simplest else None
        result.graph = _graph(spec, *shown) if shown else []
    result.checks = tally.checks(minimal.outcome if minimal else None)
    result.examples_run = tally.count
    result.advisories.extend(noted.values())
    if result.status is Status.PASS and widest:
        # Robustness notes past the verdict's magnitudes; a failing implementation has a verdict to read first.
        result.advisories.extend(probe(spec, adapter, widest[0][1], battery.variant, options.limits(spec.name), _jsonable))
    result.example_errors = tally.per_example
    result.output = adapter.printed()
    result.variant = spec.variant or (battery.variant if len(spec.references) > 1 else None)
    result.tolerances = {c.value: v for c, v in options.tolerances.get(spec.name, {}).items()}
    result.advisories.extend(_advisories(adapter.noted()))
    ignored = effect.ignored
    if ignored is not None:
        # Every check passes on a model that ignores the option (its backward agrees with its own
        # forward): the configuration is not implemented, which is what the verdict says.
        result.advisories.append(Advisory(AdvisoryKind.CONFIGURATION_IGNORED, f"{ignored}: {effect.evidence}"))
        if result.status is Status.PASS:
            result.status = Status.ERROR
            result.message = f"{NOT_IMPLEMENTED}: {ignored}"
    return result


def _diagnosis(
    spec: GateSpec, battery: Battery, minimal: _Failed, located: Outcome, seen: Sequence[_Failed], passed: Sequence[Example]
) -> list[Finding]:
    """The likely cause (checks.diagnosis), from the minimal example and the other failures seen."""
    failures = [(minimal.example, located)]
    ids = {id(minimal.example)}
    for failed in reversed(seen):  # the shrunk ones last: nearest the minimal one
        if id(failed.example) not in ids and len(failures) < FAILURES_KEPT:
            ids.add(id(failed.example))
            failures.append((failed.example, failed.outcome))
    try:
        with seed_only():
            return diagnose(spec, battery, failures, passed)
    except StudentAbort:
        return []  # the student's code hung or crashed while a cause was sought: no diagnosis, never a wrong one


def _advisories(notes: Sequence[tuple[str, str, str]]) -> list[Advisory]:
    """One advisory per kind of note about named things (the first, and what else it is about);
    notes about nothing named stand on their own."""
    kinds: dict[tuple[str, bool], list[tuple[str, str]]] = {}
    for kind, about, message in notes:
        kinds.setdefault((kind, bool(about)), []).append((about, message))
    out = []
    for (kind, _), found in kinds.items():
        message = found[0][1]
        if len(found) > 1:
            message += f" (likewise {', '.join(about for about, _ in found[1:])})"
        out.append(Advisory(AdvisoryKind(kind), message))
    return out


def _probe(spec: GateSpec, adapter: Adapter, options: Options) -> _Failed | None:
    """A stochastic layer's kept-fraction probe; what it finds, as a failed example."""
    outcome = Outcome(options.limits(spec.name))
    found = stochastic.probe(spec, adapter, options.seed, outcome.limits[Check.FORWARD])
    if found is None:
        return None
    outcome.fail(found.check, None if found.status is Status.ERROR else "out", found.message, found.status)
    return _Failed(found.example, outcome)


def run(
    target: Path | str,
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = 0,
    timeout: Timeout = DEFAULT_TIMEOUT,
    registry: Iterable[GateSpec] = REGISTRY,
    on_result: Callable[[ImplementationResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    executor: Executor = IN_PROCESS,
    tolerances: Mapping[str, Mapping[Check, float]] | None = None,
) -> RunReport:
    """Check every implementation found at `target` against the registry; `tolerances` overrides
    checks/tolerances.py per gate name (a grader's choice, recorded in each result). `on_start` is
    told how many results are coming once discovery has found them; `on_result` gets each as it is
    judged."""
    started = time.perf_counter()
    target = Path(target)
    report = RunReport(target=str(target), seed=seed, examples=examples, error=None)
    try:
        found = executor.discover(target, timeout)
    except LoadError as exc:
        report.error = str(exc)
        return report
    options = Options(examples=examples, seed=seed, timeout=timeout, tolerances=tolerances or {})
    check_found(report, found, options, registry=registry, on_result=on_result, on_start=on_start, executor=executor)
    report.seconds = time.perf_counter() - started
    return report


def check_found(
    report: RunReport,
    found: Found,
    options: Options,
    *,
    registry: Iterable[GateSpec] = REGISTRY,
    on_result: Callable[[ImplementationResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    executor: Executor = IN_PROCESS,
) -> None:
    """Judge what discovery found (a target's modules, or a notebook kernel's namespace) into `report`."""
    registry = tuple(registry)
    checked, unchecked = judged(found, registry)
    report.unchecked.extend(unchecked)
    if on_start:  # at most this many: a configuration may still turn out not checkable
        on_start(len(found.broken) + sum(len(labels(specs)) for _, specs in checked))
    for path, why in found.broken:
        what = "has a cell that does not run" if path.endswith(".ipynb") else "cannot be imported"
        broken = ImplementationResult(Path(path).stem, Path(path).name, Status.ERROR, [], message=f"{Path(path).name} {what}: {why}", source=path)
        report.results.append(broken)
        if on_result:
            on_result(broken)
    for cand, specs in checked:
        for label in labels(specs):
            result = _check_configuration(specs, label, cand, options, found.roots, executor)
            if isinstance(result, Unchecked):
                report.unchecked.append(result)
                continue
            report.results.append(result)
            if on_result:
                on_result(result)
