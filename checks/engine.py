"""The one run function every front end calls: discover, match to the registry, fuzz, collect.

Per implementation, hypothesis generates examples from the spec and runs the battery on each. The
first failing example is shrunk by hypothesis to a minimal one; that one is examined again with
per-entry finite differences to locate the wrong entries, and reported.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, Phase, Verbosity, find, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky, HypothesisException

from gradgate.gates import REGISTRY
from gradgate.gates.spec import Array, GateSpec

from .adapters import Adapter
from .battery import Battery, Outcome
from .discover import Candidate, LoadError
from .examples import Example, examples
from .graph import trace
from .reference import Reference
from .executor import IN_PROCESS, Executor
from .guard import StudentAbort, StudentError
from .tolerances import FAIL_ABOVE
from .results import (
    Check,
    CheckResult,
    Counterexample,
    GraphNode,
    ImplementationResult,
    RunReport,
    Status,
    Unchecked,
)

DEFAULT_EXAMPLES = 100
DEFAULT_TIMEOUT = 60.0
VALUES_SHOWN = 10_000  # entries of an input written out in a counterexample


@dataclass(frozen=True)
class Options:
    examples: int = DEFAULT_EXAMPLES
    seed: int = 0
    timeout: float | None = DEFAULT_TIMEOUT
    derandomize: bool = False


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
            # JSON has no NaN or inf: those entries are written as null
            value = np.where(np.isfinite(value), value, None)
        return {"shape": list(value.shape), "values": value.tolist()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _counterexample(example: Example, outcome: Outcome, located: Outcome) -> Counterexample:
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
    )
    if picture is not None:
        limit = Check.FORWARD if failure.check is Check.FORWARD else Check.BACKWARD_TORCH
        wrong = np.argwhere(np.nan_to_num(picture.error, nan=0.0) > FAIL_ABOVE[limit])
        cex.input = picture.input
        cex.analytic = _jsonable(picture.analytic)
        cex.expected = _jsonable(picture.expected)
        cex.element_error = _jsonable(picture.error)
        cex.wrong_entries = [[int(i) for i in row] for row in wrong[:20]]
    return cex


def _graph(spec: GateSpec, battery: Battery, example: Example | None, outcome: Outcome | None) -> list[GraphNode]:
    """The graph on the counterexample, or on the simplest example hypothesis can draw."""
    if example is None or outcome is None:
        example = find(examples(spec), lambda _: True, settings=settings(database=None, max_examples=10))
        try:
            outcome = battery.examine(example)
        except StudentAbort:
            outcome = Outcome()
    dout = outcome.dout if outcome.dout is not None else np.ones(Reference(spec, example.values, example.sizes).out.shape)
    return trace(spec, example, dout, outcome.grads, _jsonable)


def check_implementation(
    spec: GateSpec,
    candidate: Candidate,
    options: Options,
    roots: Sequence[Path] = (),
    executor: Executor = IN_PROCESS,
) -> ImplementationResult:
    """Fuzz one implementation against its spec."""
    try:
        with executor.session(spec, candidate, options.timeout, roots) as adapter:
            return _fuzz(spec, candidate, options, adapter)
    except (StudentError, StudentAbort) as exc:  # the executor could not even load it
        return ImplementationResult(
            spec.name, candidate.label, Status.ERROR, [], message=f"cannot be loaded: {exc}", source=candidate.source
        )


def _fuzz(spec: GateSpec, candidate: Candidate, options: Options, adapter: Adapter) -> ImplementationResult:
    battery = Battery(spec, adapter)
    tally = _Tally()
    last: list[_Failed] = []

    def body(example: Example) -> None:
        outcome = battery.examine(example)
        tally.add(outcome)
        if outcome.failure is not None:
            failed = _Failed(example, outcome)
            last.append(failed)
            raise failed

    test = settings(
        max_examples=options.examples,
        database=None,
        deadline=None,
        derandomize=options.derandomize,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )(given(examples(spec))(body))
    if not options.derandomize:
        test = hypothesis_seed(zlib.crc32(f"{options.seed}:{spec.name}".encode()))(test)

    result = ImplementationResult(spec.name, candidate.label, Status.PASS, [], source=candidate.source)
    minimal: _Failed | None = None
    # The reference works on tiny tensors: a thread pool only adds hand-offs (5-10x slower on a
    # loaded machine). Restored afterwards, since the plugin runs inside the user's process.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        test()
    except _Failed as failed:
        minimal = failed
    except StudentAbort as exc:
        result.status = Status.ERROR
        result.message = str(exc)
    except (Flaky, HypothesisException, ExceptionGroup) as exc:  # noqa: F821 - builtin in 3.11
        # The student's code gave different verdicts on the same input; report the last failure seen.
        minimal = last[-1] if last else None
        if minimal is None:
            result.status = Status.ERROR
            result.message = f"could not be checked: {type(exc).__name__}: {exc}"
    finally:
        torch.set_num_threads(threads)
    located: Outcome | None = None
    if minimal is not None:
        failure = minimal.outcome.failure
        assert failure is not None
        result.status = failure.status
        result.message = f"{failure.check.value}: {failure.message}"
        try:
            located = battery.examine(minimal.example, locate=True)
        except StudentAbort:
            located = minimal.outcome
        result.counterexample = _counterexample(minimal.example, minimal.outcome, located)
    if spec.graph:
        result.graph = _graph(spec, battery, minimal.example if minimal else None, located)
    result.checks = tally.checks(minimal.outcome if minimal else None)
    result.examples_run = tally.count
    result.example_errors = tally.per_example
    result.output = adapter.printed()
    return result


def run(
    target: Path | str,
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = 0,
    timeout: float | None = DEFAULT_TIMEOUT,
    registry: Iterable[GateSpec] = REGISTRY,
    on_result: Callable[[ImplementationResult], None] | None = None,
    executor: Executor = IN_PROCESS,
) -> RunReport:
    """Check every implementation found at `target` against the registry."""
    started = time.perf_counter()
    target = Path(target)
    report = RunReport(target=str(target), seed=seed, examples=examples, error=None)
    try:
        found = executor.discover(target, timeout)
    except LoadError as exc:
        report.error = str(exc)
        return report
    specs = {(s.name, s.convention): s for s in registry}
    options = Options(examples=examples, seed=seed, timeout=timeout)
    for path, why in found.broken:
        broken = ImplementationResult(Path(path).stem, Path(path).name, Status.ERROR, [], message=f"{Path(path).name} cannot be imported: {why}", source=path)
        report.results.append(broken)
        if on_result:
            on_result(broken)
    for name, source, reason in found.incomplete:
        report.unchecked.append(Unchecked(name, source, reason))
    for cand in found.candidates:
        spec = specs.get((cand.name, cand.convention))
        if spec is None:
            report.unchecked.append(Unchecked(cand.label, cand.source, f"no registry entry for {cand.convention.value} {cand.name!r}"))
            continue
        result = check_implementation(spec, cand, options, found.roots, executor)
        report.results.append(result)
        if on_result:
            on_result(result)
    report.seconds = time.perf_counter() - started
    return report
