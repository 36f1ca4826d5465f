"""Grading a class: one `run` per submission, every one with the same seed and examples, scored
against an assignment.

Per submission, DIR/<name>/ gets report.json (gradgate.report/1 plus a "submission" key with the
score per gate), index.html and Gradescope's results.json. The class summary is then built from the
report.json files on disk (`classsummary`), the same way `gradgate merge` builds it from folders
graded elsewhere, so the two cannot disagree.

Scoring is a function of the report JSON alone (`scoring`). Without an assignment file the class is
graded on every gate found in any submission: once all are checked, `complete` scores each report
again on that union and rewrites its files, so a submission that cannot be loaded still has every
test, at 0, with the reason.
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
from gradgate.defaults import Adaptive, Timeout, timeout_json
from gradgate.defaults import DEFAULT_MEMORY_MB, DEFAULT_SEED  # noqa: F401 - grade.DEFAULT_SEED, as before
from . import gradescope, jsonreport, reportpaths
from .assignment import Assignment
from .scoring import VERDICTS, class_gates, load_error, score, score_gate  # noqa: F401 - grade.score, as before

REPORT, PAGE, RESULTS = "report.json", "index.html", "results.json"
CLASS_FILES = ("summary.json", "summary.html", "grades.csv")


class GradeError(Exception):
    """The submissions or the output folder cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """Everything that decides a grade, the same for every submission of a class."""

    examples: int
    seed: int
    timeout: Timeout
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
# one submission


def executor(settings: Settings) -> Executor:
    if not settings.sandbox:
        return IN_PROCESS
    from gradgate.checks.sandbox import Sandbox

    return Sandbox(timeout=settings.timeout, memory_mb=settings.memory_mb, forbid_imports=settings.forbid_imports)


def rerun_command(path: Path, settings: Settings) -> str:
    """What a student runs, in the submission's folder (or the folder holding a one-file submission),
    to see the same examples (the grader's sandbox aside)."""
    # the default adapts by itself; a fixed limit is passed on
    timeout = f" --timeout {settings.timeout:g}" if settings.timeout is not None and not isinstance(settings.timeout, Adaptive) else ""
    where = shlex.quote(reportpaths.target(path))
    return f"gradgate check {where} --seed {settings.seed} --examples {settings.examples}{timeout} --no-report"


def assignment_json(assignment: Assignment) -> dict[str, Any]:
    """The assignment as reports and the class summary record it, with the digest merge compares."""
    return {**assignment.to_dict(), "digest": assignment.digest}


def submission_payload(
    sub: Submission, settings: Settings, data: Mapping[str, Any], expected: Sequence[str] | None = None
) -> dict[str, Any]:
    """The "submission" key of a graded report.json: who, the score per gate, and how it was graded."""
    return {
        "name": sub.name,
        "path": sub.path.name,  # relative to the class folder, which holds every submission
        **score(data, settings.assignment, expected),
        "assignment": assignment_json(settings.assignment),
        "grading": {
            "sandbox": settings.sandbox,
            "timeout": timeout_json(settings.timeout),
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


def _write_files(folder: Path, data: dict[str, Any], assignment: Assignment) -> None:
    """report.json, index.html and results.json of one graded report (stale ones removed first, so a
    page that fails to render is absent rather than out of date)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (REPORT, PAGE, RESULTS):
        (folder / stale).unlink(missing_ok=True)
    _write_json(folder / REPORT, data)
    _write_page(data, folder / PAGE)
    _write_json(folder / RESULTS, gradescope.results(data, assignment))


def _write(sub: Submission, settings: Settings, out: Path, report: RunReport) -> dict[str, Any]:
    """DIR/<name>/report.json, index.html and results.json for one checked submission."""
    data = reportpaths.relative(jsonreport.to_dict(report, rerun_command(sub.path, settings)), sub.path)
    # A folder none of whose modules imports could not be loaded, as a one-file submission with a
    # syntax error: said once, at the top, and every expected gate is an error with that reason.
    data["error"] = load_error(data)
    data["submission"] = submission_payload(sub, settings, data)
    _write_files(out / sub.name, data, settings.assignment)
    return data


def complete(folders: Sequence[Path]) -> None:
    """Without an assignment's [gates], grade every submission in `folders` (DIR/<name>/) on every
    gate found in any of them, and rewrite the files of those whose gates change."""
    graded = [(folder, json.loads((folder / REPORT).read_text(encoding="utf-8"))) for folder in folders]
    if not graded or graded[0][1]["submission"]["assignment"].get("gates"):
        return
    expected = class_gates(data for _, data in graded)
    for folder, data in graded:
        payload = data["submission"]
        assignment = Assignment.from_dict(payload["assignment"])
        scored = score(data, assignment, expected)
        if [c["gate"] for c in payload["gates"]] != expected or payload["gates"] != scored["gates"]:
            payload.update(scored)
            _write_files(folder, data, assignment)


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
    on_start: Callable[[str], None] | None = None,
    fail_fast: bool = False,
) -> list[Outcome]:
    """Grade every submission, `jobs` at a time in separate processes; outcomes sorted by name.
    With `fail_fast`, stop at the first that could not be loaded or that the grader failed on
    (what a broken set-up looks like); the rest are not graded."""
    out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    if jobs <= 1 or len(subs) <= 1:
        for sub in subs:
            if on_start:  # one at a time: the bar can say whose code is running (a loop is not silent)
                on_start(sub.name)
            outcomes.append(grade_one(sub, settings, out))
            if on_done:
                on_done(outcomes[-1])
            if fail_fast and stops(outcomes[-1]):
                break
    else:
        # spawn, not fork: the parent holds torch's thread pools, which do not survive a fork.
        context = multiprocessing.get_context("spawn")
        from gradgate.checks.zygote import die_with_parent  # a killed grader takes its workers along

        with ProcessPoolExecutor(max_workers=min(jobs, len(subs)), mp_context=context, initializer=die_with_parent) as pool:
            futures = {pool.submit(grade_one, sub, settings, out): sub for sub in subs}
            for future in as_completed(futures):
                if future.cancelled():
                    continue  # --fail-fast stopped before it began
                sub = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:
                    outcome = _lost(sub, settings, out, f"the grading process failed: {type(exc).__name__}: {exc}")
                outcomes.append(outcome)
                if on_done:
                    on_done(outcome)
                if fail_fast and stops(outcome):
                    for pending in futures:
                        pending.cancel()  # those already running finish, and count
                    fail_fast = False
    return sorted(outcomes, key=lambda o: o.name)


def stops(outcome: Outcome) -> bool:
    """What --fail-fast stops at: a submission that could not be loaded, or the grader failing."""
    return bool(outcome.error or outcome.grader_error)


def _lost(sub: Submission, settings: Settings, out: Path, why: str) -> Outcome:
    """Files for a submission whose grading process died, so the class summary still lists it."""
    data = _write(sub, settings, out, _failed_report(sub, settings, why))
    return Outcome(sub.name, data["submission"]["score"], data["submission"]["max_score"], why, why, 0.0)
