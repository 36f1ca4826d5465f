"""Plain result data: what the engine found, before any rendering (terminal, JSON, HTML)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Check(enum.Enum):
    """The battery, in the order it runs on every example."""

    CONTRACT = "contract"
    FORWARD = "forward_vs_torch"
    BACKWARD_TORCH = "backward_vs_torch"
    BACKWARD_FD = "backward_vs_fd"
    MUTATION = "no_mutation"
    DETERMINISM = "determinism"


class Status(enum.Enum):
    PASS = "pass"
    FAIL = "fail"  # wrong values, shapes, NaN, mutation, nondeterminism
    ERROR = "error"  # the student's code raised, returned the wrong kind of thing, or hung


@dataclass
class CheckResult:
    """The worst a check saw for one input (or output) over all examples."""

    check: Check
    input: str | None
    max_rel_error: float | None = None
    status: Status = Status.PASS


@dataclass
class Counterexample:
    """The minimal failing example (after shrinking) and what went wrong on it."""

    check: Check
    input: str | None
    message: str
    sizes: dict[str, Any]
    inputs: dict[str, Any]  # name -> {"shape", "values"} for arrays, the object for params
    dout: Any = None
    # Per-element picture of the failing gradient: the student's value, the reference (torch or
    # finite differences) and their relative error, all with the input's shape.
    analytic: Any = None
    expected: Any = None
    element_error: Any = None
    wrong_entries: list[list[int]] = field(default_factory=list)
    # What a reproduction needs beyond the inputs: the inputs differentiated on this example, in call
    # order (a model's params vary with its options), and a model's constructor keyword arguments.
    differentiable: list[str] = field(default_factory=list)
    construct: dict[str, Any] | None = None


@dataclass
class GraphNode:
    """A node of the computational graph on one example: reference value and gradient (torch), and
    the student's gradient where the student's code exposes it (the inputs)."""

    name: str
    op: str | None  # None for an input
    inputs: list[str]
    value: Any
    grad: Any
    student_grad: Any = None
    rel_error: float | None = None
    disagrees: bool = False


class AdvisoryKind(enum.Enum):
    """Robustness notes: what happens on inputs past those that decide the verdict."""

    OVERFLOW = "overflow"  # inf or NaN at extreme magnitudes (exp past 709, log of an underflowed 0)
    CONSUMED_CACHE = "consumed_cache"  # a backward that frees its cache, as PyTorch frees a graph
    RUNNING_STATISTICS = "running_statistics"  # running mean/var off by a harmless eps-level offset
    TIES = "ties"  # a max tie routed to every maximal entry
    PARAMETER_SHAPE = "parameter_shape"  # a model parameter kept in another shape (or dtype) than the course's
    PARAMETER_NAME = "parameter_name"  # a model's parameters numbered another way (W0 for W1), read by their order
    CONFIGURATION_IGNORED = "configuration_ignored"  # a model option (dropout, normalization) that changes nothing
    ASSUMED_AWAY = "assumed_away"  # a wrong result on sizes the course's docstring lets students assume never come


@dataclass
class Advisory:
    """Shown beside a verdict, never part of it: a status or an exit code never depends on one.
    `example` is the input that shows it (name -> {"shape", "values"}, or a plain value)."""

    kind: AdvisoryKind
    message: str
    example: dict[str, Any] | None = None


class FindingKind(enum.Enum):
    """The kinds of mistake a diagnosis can name, in the lecture's terms."""

    SCALE = "scale"  # off by a constant factor (forgot /N, divided twice, 2 reg W)
    SIGN = "sign"
    TRANSPOSE = "transpose"  # runs only because the example was square
    UPSTREAM_IGNORED = "upstream_ignored"  # the backward does not use dout
    LOST_ACCUMULATION = "lost_accumulation"  # = where += is needed (overlapping windows, repeated words)
    ONLY_WHEN = "only_when"  # right for common shapes, wrong only under a condition (stride > 1, N = 1)
    MISSING_TERM = "missing_term"  # a path of the graph left out (through the mean, the regularisation)
    FORWARD_WRONG = "forward_wrong"  # the forward is wrong; the backward is consistent with it
    PRECISION = "precision"  # off only at float32's rounding of the values' size (a tensor made without dtype)


@dataclass
class Finding:
    """One established cause of a failure: `input` is the gradient (dW) or "out"; `evidence` says
    what was computed to establish it."""

    kind: FindingKind
    input: str | None
    detail: str
    message: str
    evidence: str


@dataclass
class ImplementationResult:
    gate: str
    implementation: str
    status: Status
    checks: list[CheckResult]
    counterexample: Counterexample | None = None
    message: str = ""
    examples_run: int = 0
    source: str = ""  # file the implementation came from
    # log10 of the worst gradient relative error of each generated example (report histogram)
    example_errors: list[float] = field(default_factory=list)
    output: str = ""  # what the student's code printed, truncated
    graph: list[GraphNode] = field(default_factory=list)  # on the counterexample, else the simplest example
    convention: str = ""  # how the implementation is called (a Convention's value)
    outputs: int = 1  # outputs the forward returns before its cache; the checks see them concatenated
    variant: str | None = None  # which of the gate's reference variants (course years) it was checked against
    tolerances: dict[str, float] = field(default_factory=dict)  # a grader's overrides of the thresholds, by check
    advisories: list[Advisory] = field(default_factory=list)  # robustness notes; never change the status
    cell: dict[str, Any] | None = None  # in a notebook: {"index", "execution_count", "line"} of the definition
    diagnosis: list[Finding] = field(default_factory=list)  # the likely cause of a failure, when established
    configuration: str | None = None  # which of a model's configurations (dropout, batchnorm, ...) this result is
    seconds: float = 0.0  # wall time of its whole check (examples, shrinking, diagnosis)


class UncheckedKind(enum.Enum):
    """What an unchecked entry is: never a verdict on the student's code, so never an exit code."""

    IMPLEMENTATION = "implementation"  # the student's, found but not judged (the reason says why)
    MODULE = "module"  # a student's module that cannot be loaded here through no fault of the code in it
    COURSE_FILE = "course_file"  # a course-provided module that could not be loaded here, or was replaced


@dataclass
class Unchecked:
    name: str
    source: str
    reason: str
    kind: UncheckedKind = UncheckedKind.IMPLEMENTATION


@dataclass
class RunReport:
    target: str
    seed: int
    examples: int
    error: str | None
    results: list[ImplementationResult] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for r in self.results:
            counts[r.status.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.status is Status.PASS for r in self.results)
