"""Grading a class: one `run` per submission, every one with the same seed and examples, scored
against an assignment.

Per submission, DIR/<name>/ gets report.json (gradgate.report/1 plus a "submission" key with the
score per gate), index.html and Gradescope's results.json. The class summary is then built from the
report.json files on disk (`classsummary`), the same way `gradgate merge` builds it from folders
graded elsewhere, so the two cannot disagree.

Scoring is a function of the report JSON alone: a gate earns its points when every implementation of
it passed, and 0 otherwise, with the reason (the failing check, missing, or the file that did not load).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradgate.checks.engine import run
from gradgate.checks.executor import IN_PROCESS, Executor
from gradgate.checks.results import RunReport
from gradgate.defaults import DEFAULT_MEMORY_MB, DEFAULT_SEED  # noqa: F401 - grade.DEFAULT_SEED, as before
from gradgate.gates import REGISTRY
from gradgate.gates.spec import Convention

from . import gradescope, jsonreport
from .assignment import Assignment

REPORT, PAGE, RESULTS = "report.json", "index.html", "results.json"
CLASS_FILES = ("summary.json", "summary.html", "grades.csv")
VERDICTS = ("pass", "fail", "error", "missing")
_SPECS = {s.name: s for s in REGISTRY}


class GradeError(Exception):
    """The submissions or the output folder cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """Everything that decides a grade, the same for every submission of a class."""

    examples: int
    seed: int
    timeout: float | None
    memory_mb: int | None
    forbid_imports: tuple[str, ...]
    assignment: Assignment
    # Private: False imports student code into the grading process (development, and the
    # benchmark's baseline). Forbidden imports and the memory limit then do not apply.
    sandbox: bool = True


@dataclass(frozen=True)
class Submission:
    name: str
    path: Path


@dataclass(frozen=True)
class Outcome:
    """What the class loop needs back from a (possibly separate) grading process."""

    name: str
    score: float
    max_score: float
    error: str | None  # the submission could not be loaded
    grader_error: str | None  # the grader itself failed on it (not the student's doing)
    seconds: float


# ---------------------------------------------------------------------------------------------
# the class folder


def find_submissions(folder: Path, skip: Sequence[Path] = ()) -> tuple[list[Submission], list[str]]:
    """One submission per .py file or folder in `folder` (sorted by name), and the entries skipped."""
    if not folder.exists():
        raise GradeError(f"{folder} does not exist")
    if not folder.is_dir():
        raise GradeError(f"{folder} is not a folder: expected a folder with one .py file or folder per student "
                         "(`gradgate check FILE` checks a single file)")
    skipped_paths = {p.resolve() for p in skip}
    found: dict[str, Submission] = {}
    skipped = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")) or entry.resolve() in skipped_paths:
            continue  # hidden files, __pycache__, __MACOSX, and our own output folder
        if entry.is_dir():
            name = entry.name
        elif entry.suffix == ".py":
            name = entry.stem
        else:
            skipped.append(entry.name)
            continue
        if name in found:
            raise GradeError(f"two submissions are named {name!r}: {found[name].path.name} and {entry.name}")
        if name in CLASS_FILES:
            raise GradeError(f"a submission may not be named {name!r} (the class summary's file): rename {entry}")
        found[name] = Submission(name, entry)
    if not found:
        raise GradeError(f"{folder} holds no submissions (a .py file or a folder per student)")
    return list(found.values()), skipped


# ---------------------------------------------------------------------------------------------
# scoring a report


def _broken(result: Mapping[str, Any]) -> bool:
    # The engine reports a module that did not import as a result named after the file; a student's
    # implementation label is a Python identifier and never ends in .py.
    return str(result["implementation"]).endswith(".py")


def _expected_names(gate: str) -> str:
    spec = _SPECS.get(gate)
    convention = spec.convention if spec else None
    if convention is Convention.LAYER_PAIR:
        return f"{gate}_forward and {gate}_backward (or {gate}_forward_naive and {gate}_backward_naive)"
    if convention is Convention.GATE_CLASS:
        return f"a class {gate} with forward and backward methods"
    if convention is Convention.MODEL:
        return f"a class {gate} with .params and a loss method"
    if convention is Convention.SCALAR_ENGINE and spec is not None and spec.ops is not None:
        return f"a Value class (data, grad, backward) with {', '.join(spec.ops.methods)}"
    if convention is Convention.TENSOR_OP:
        return f"a needle TensorOp {gate} with compute and gradient"
    return f"a function {gate}"


def _near(name: str, gate: str) -> bool:
    """An unchecked name that is probably a try at `gate` (affine_forward without its backward)."""
    spec = _SPECS.get(gate)
    if spec is not None and spec.convention is Convention.LOSS_FUNCTION:
        return name.startswith(gate)
    if spec is not None and spec.ops is not None:  # a scalar engine's Value.tanh for value_tanh
        return name.endswith(f".{spec.ops.label}")
    return name in (gate, f"{gate}_forward", f"{gate}_forward_naive")


def _missing_reason(gate: str, data: Mapping[str, Any]) -> str:
    parts = [f"no {gate} found: expected {_expected_names(gate)}"]
    for u in data.get("unchecked", []):
        if _near(str(u["name"]), gate):
            parts.append(f"{u['name']} in {Path(u['source']).name}: {u['reason']}")
    for r in data["results"]:
        if _broken(r):
            why = str(r["message"]).removeprefix("cannot import: ")
            parts.append(f"{r['implementation']} could not be imported: {why}")
    return "; ".join(parts)


def _worst_error(results: Sequence[Mapping[str, Any]]) -> float | None:
    errors = [c["max_rel_error"] for r in results for c in r["checks"] if c.get("max_rel_error") is not None]
    return max(errors) if errors else None


def _failed_check(result: Mapping[str, Any]) -> str | None:
    cex = result.get("counterexample")
    if cex:
        return str(cex["check"])
    head, sep, _ = str(result.get("message", "")).partition(":")
    return head if sep and " " not in head else None


def _total(values: Sequence[float]) -> float:
    total = sum(values)
    return round(total, 6) if isinstance(total, float) else total


def score_gate(gate: str, points: float, data: Mapping[str, Any], configurations: Sequence[str] = ()) -> dict[str, Any]:
    """The verdict, score and reason for one gate of one report; of a configurable model, the
    results of the `configurations` graded (all without any)."""
    mine = [
        r for r in data["results"]
        if r["gate"] == gate and not _broken(r) and (not configurations or r.get("configuration") in configurations)
    ]  # fmt: skip
    cell: dict[str, Any] = {
        "gate": gate,
        "verdict": "pass",
        "score": points,
        "max_score": points,
        "reason": "",
        "check": None,
        "worst_error": _worst_error(mine),
        "implementations": [r["implementation"] for r in mine],
    }
    if data.get("error") is not None:
        cell.update(verdict="error", score=0, reason=f"the submission could not be loaded: {data['error']}")
    elif not mine:
        cell.update(verdict="missing", score=0, reason=_missing_reason(gate, data))
    else:
        bad = [r for r in mine if r["status"] != "pass"]
        if bad:
            first = next((r for r in bad if r["status"] == "error"), bad[0])
            several = len({r.get("source") for r in mine}) > 1  # a model's configurations are one file
            where = f" in {Path(first['source']).name}" if several and first.get("source") else ""
            cell.update(
                verdict=first["status"],
                score=0,
                reason=f"{first['implementation']}{where}: {first['message']}",
                check=_failed_check(first),
            )
    return cell


def score(data: Mapping[str, Any], assignment: Assignment) -> dict[str, Any]:
    """Score per gate: the assignment's gates, or without any every gate found at one point."""
    if assignment.gates:
        gates = [(r.gate, r.points, r.configurations) for r in assignment.gates]
    else:
        found = {r["gate"] for r in data["results"] if not _broken(r)}
        gates = [(name, 1, ()) for name in dict.fromkeys(s.name for s in REGISTRY) if name in found]
    cells = [score_gate(gate, points, data, chosen) for gate, points, chosen in gates]
    return {
        "score": _total([c["score"] for c in cells]),
        "max_score": _total([c["max_score"] for c in cells]),
        "gates": cells,
    }


# ---------------------------------------------------------------------------------------------
# one submission


def executor(settings: Settings) -> Executor:
    if not settings.sandbox:
        return IN_PROCESS
    from gradgate.checks.sandbox import Sandbox

    return Sandbox(timeout=settings.timeout, memory_mb=settings.memory_mb, forbid_imports=settings.forbid_imports)


def rerun_command(path: Path, settings: Settings) -> str:
    """What a student runs to see the same examples (the grader's sandbox aside)."""
    timeout = f" --timeout {settings.timeout:g}" if settings.timeout is not None else ""
    return f"gradgate check {shlex.quote(str(path))} --seed {settings.seed} --examples {settings.examples}{timeout} --no-report"


def submission_payload(sub: Submission, settings: Settings, data: Mapping[str, Any]) -> dict[str, Any]:
    """The "submission" key of a graded report.json: who, the score per gate, and how it was graded."""
    return {
        "name": sub.name,
        "path": str(sub.path),
        **score(data, settings.assignment),
        "assignment": {**settings.assignment.to_dict(), "digest": settings.assignment.digest},
        "grading": {
            "sandbox": settings.sandbox,
            "timeout": settings.timeout,
            "memory_mb": settings.memory_mb,
            "forbid_imports": list(settings.forbid_imports),
        },
    }


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _write_page(data: Mapping[str, Any], path: Path) -> bool:
    """index.html through the HTML report's renderer; False if it is unavailable or refuses."""
    try:
        from gradgate import report as htmlreport
    except ImportError:
        return False
    try:
        htmlreport.write(data, path, json_name=REPORT)
    except htmlreport.ReportError:
        return False
    return True


def _relative(message: str | None, path: Path) -> str | None:
    """The message with the class folder's path taken out: the same wherever the class was graded."""
    if message is None:
        return None
    for parent in {str(path.parent.resolve()), str(path.parent.absolute()), str(path.parent)}:
        if parent not in ("", "."):
            message = message.replace(parent.rstrip("/") + "/", "")
    return message


def _write(sub: Submission, settings: Settings, out: Path, report: RunReport) -> dict[str, Any]:
    """DIR/<name>/report.json, index.html and results.json for one checked submission."""
    folder = out / sub.name
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (REPORT, PAGE, RESULTS):
        (folder / stale).unlink(missing_ok=True)
    data = jsonreport.to_dict(report, rerun_command(sub.path, settings))
    data["error"] = _relative(data["error"], sub.path)
    data["submission"] = submission_payload(sub, settings, data)
    _write_json(folder / REPORT, data)
    _write_page(data, folder / PAGE)
    _write_json(folder / RESULTS, gradescope.results(data, settings.assignment))
    return data


def _failed_report(sub: Submission, settings: Settings, why: str) -> RunReport:
    return RunReport(target=str(sub.path), seed=settings.seed, examples=settings.examples, error=why)


def grade_one(sub: Submission, settings: Settings, out: Path) -> Outcome:
    """Check one submission and write its three files."""
    started = time.perf_counter()
    grader_error = None
    try:
        report = run(sub.path, examples=settings.examples, seed=settings.seed, timeout=settings.timeout,
                     executor=executor(settings), tolerances=settings.assignment.tolerances)
    except Exception as exc:
        grader_error = f"the grader failed on this submission: {type(exc).__name__}: {exc}"
        report = _failed_report(sub, settings, grader_error)
    data = _write(sub, settings, out, report)
    payload = data["submission"]
    return Outcome(sub.name, payload["score"], payload["max_score"], data["error"], grader_error,
                   time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------
# the class


def grade_all(
    subs: Sequence[Submission],
    settings: Settings,
    out: Path,
    *,
    jobs: int = 1,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Grade every submission, `jobs` at a time in separate processes; outcomes sorted by name."""
    out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    if jobs <= 1 or len(subs) <= 1:
        for sub in subs:
            outcomes.append(grade_one(sub, settings, out))
            if on_done:
                on_done(outcomes[-1])
    else:
        # spawn, not fork: the parent holds torch's thread pools, which do not survive a fork.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(subs)), mp_context=context) as pool:
            futures = {pool.submit(grade_one, sub, settings, out): sub for sub in subs}
            for future in as_completed(futures):
                sub = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:
                    outcome = _lost(sub, settings, out, f"the grading process failed: {type(exc).__name__}: {exc}")
                outcomes.append(outcome)
                if on_done:
                    on_done(outcome)
    return sorted(outcomes, key=lambda o: o.name)


def _lost(sub: Submission, settings: Settings, out: Path, why: str) -> Outcome:
    """Files for a submission whose grading process died, so the class summary still lists it."""
    data = _write(sub, settings, out, _failed_report(sub, settings, why))
    return Outcome(sub.name, data["submission"]["score"], data["submission"]["max_score"], why, why, 0.0)
