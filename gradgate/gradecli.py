"""`gradgate grade`, `gradgate gradescope` and `gradgate merge`: the grading commands.

    gradgate grade SUBMISSIONS --out DIR [--shard K/N] [--jobs N] [--fail-fast] [--timeout S] [--memory-mb M]
                   [--forbid-import MOD ...] [--assignment FILE.toml] [--seed N] [--examples N]
    gradgate gradescope [--submission DIR] [--results FILE] [same options as grade]
    gradgate merge DIR... --out DIR
    gradgate assignment init REFERENCE [--examples N] [--seed N] [--timeout S] > assignment.toml

Exit codes: 0 grading completed (whatever the students scored), 1 the grader itself failed on some
submission (its report says why), 2 unusable arguments, assignment file or folders (a message, no
traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradgate.defaults import DEFAULT_EXAMPLES, DEFAULT_MEMORY_MB, DEFAULT_SEED, DEFAULT_TIMEOUT, timeout_text

from . import shard
from .progress import Progress  # noqa: F401 - gradecli.Progress, as before

if TYPE_CHECKING:
    from . import grade
    from .assignment import Assignment

# `grade` and `classsummary` load the engine (torch, hypothesis), `assignment` the registry: imported
# where they are used, so that --help and argument errors answer at once.

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
INIT_EXAMPLES = 25  # enough to tell a reference that passes from one that does not, in seconds
GRADESCOPE_SUBMISSION = Path("/autograder/submission")
GRADESCOPE_RESULTS = Path("/autograder/results/results.json")


class _Unusable(Exception):
    """An argument, file or folder that cannot be used: printed, exit 2."""


def _megabytes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of megabytes, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (no limit) or more megabytes, got {value}")
    return value


def _module(text: str) -> str:
    from .assignment import valid_module_name

    if not valid_module_name(text):
        raise argparse.ArgumentTypeError(f"expected a top-level module name like torch, got {text!r}")
    return text


def add_commands(sub: Any, positive_int: Any, seed: Any, seconds: Any) -> None:
    """Add the three subcommands to gradgate's parser (`sub` is its subparsers action)."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--assignment", type=Path, metavar="FILE.toml",
                       help="gates, points, visibility, forbidden imports, examples and seed (see docs/grading.md)")
        p.add_argument("--examples", type=positive_int, default=None, metavar="N",
                       help=f"examples per implementation (default: the assignment's, else {DEFAULT_EXAMPLES})")
        p.add_argument("--seed", type=seed, default=None, metavar="N",
                       help=f"the same for every submission (default: the assignment's, else {DEFAULT_SEED})")
        p.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="S",
                       help=f"seconds a single call into student code may take (default: {timeout_text(DEFAULT_TIMEOUT)})")
        p.add_argument("--memory-mb", type=_megabytes, default=DEFAULT_MEMORY_MB, metavar="M",
                       help=f"address space of the process running student code, 0 for no limit (default {DEFAULT_MEMORY_MB})")
        p.add_argument("--forbid-import", type=_module, action="extend", nargs="+", default=[], metavar="MOD",
                       help="modules student code may not import (added to the assignment's)")

    g = sub.add_parser("grade", help="grade a class: one .py file or folder per student")
    g.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="a folder with one .py file or folder per student")
    g.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the reports and the class summary go")
    g.add_argument("--jobs", type=positive_int, default=1, metavar="N", help="submissions graded in parallel (default 1)")
    g.add_argument("--fail-fast", action="store_true",
                   help="stop at the first submission that cannot be loaded or that the grader fails on (default: grade all)")
    g.add_argument("--shard", type=shard.parse, default=None, metavar="K/N",
                   help="grade only shard K of N (every N-th submission by path, from the K-th); "
                        "`gradgate merge` joins the N folders")
    common(g)

    s = sub.add_parser("gradescope", help="grade one submission inside a Gradescope autograder")
    s.add_argument("--submission", type=Path, default=GRADESCOPE_SUBMISSION, metavar="DIR",
                   help=f"the student's files (default {GRADESCOPE_SUBMISSION})")
    s.add_argument("--results", type=Path, default=GRADESCOPE_RESULTS, metavar="FILE",
                   help=f"where results.json goes (default {GRADESCOPE_RESULTS})")
    common(s)

    m = sub.add_parser("merge", help="one class summary from folders graded separately")
    m.add_argument("dirs", type=Path, nargs="+", metavar="DIR", help="--out folders of `gradgate grade` runs")
    m.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the merged class goes")

    a = sub.add_parser("assignment", help="write an assignment file")
    actions = a.add_subparsers(dest="action", required=True)
    init = actions.add_parser("init", help="an assignment file from a reference solution, printed on stdout: "
                              "every gate it passes, one point each")
    init.add_argument("reference", type=Path, metavar="REFERENCE", help="the reference solution: a .py file or a folder")
    init.add_argument("--examples", type=positive_int, default=INIT_EXAMPLES, metavar="N",
                      help=f"examples per implementation for checking the reference (default {INIT_EXAMPLES})")
    init.add_argument("--seed", type=seed, default=DEFAULT_SEED, metavar="N", help=f"default {DEFAULT_SEED}")
    init.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="S",
                      help=f"seconds a single call into the reference may take (default: {timeout_text(DEFAULT_TIMEOUT)})")


def main(args: argparse.Namespace) -> int:
    try:
        if args.command == "grade":
            return _grade(args)
        if args.command == "gradescope":
            return _gradescope(args)
        if args.command == "assignment":
            return _assignment_init(args)
        return _merge(args)
    except _Unusable as exc:
        print(f"gradgate {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print(f"\ngradgate {args.command}: interrupted; the class summary was not written", file=sys.stderr)
        return 130


# ---------------------------------------------------------------------------------------------
# settings


def settings(args: argparse.Namespace) -> grade.Settings:
    """The grading settings: the command line first, then the assignment file, then the defaults."""
    from . import grade
    from .assignment import DEFAULT, AssignmentError, load

    assignment: Assignment = DEFAULT
    if args.assignment is not None:
        try:
            assignment = load(args.assignment)
        except AssignmentError as exc:
            raise _Unusable(str(exc)) from None
    return grade.Settings(
        examples=args.examples or assignment.examples or DEFAULT_EXAMPLES,
        seed=next(s for s in (args.seed, assignment.seed, DEFAULT_SEED) if s is not None),
        timeout=args.timeout,
        memory_mb=args.memory_mb or None,
        forbid_imports=tuple(dict.fromkeys([*assignment.forbid_imports, *args.forbid_import])),
        assignment=assignment,
    )


def _describe(s: grade.Settings) -> str:
    memory = f"{s.memory_mb} MB" if s.memory_mb else "no memory limit"
    forbidden = f", no {', '.join(s.forbid_imports)}" if s.forbid_imports else ""
    where = f"sandboxed ({memory}{forbidden})" if s.sandbox else "in-process"
    return f"seed {s.seed} · {s.examples} examples per implementation · timeout {timeout_text(s.timeout)} · {where}"


# ---------------------------------------------------------------------------------------------
# grade


def screen(summary: Mapping[str, Any], seconds: float, out: Path) -> list[str]:
    """The one-screen summary: per gate how the class did, the score spread, who could not be loaded."""
    n = len(summary["submissions"])
    part = ""
    if "shard" in summary:
        record = summary["shard"]
        part = f" (shard {record['index']}/{record['count']} of a class of {record['of']})"
    head = (f"gradgate: graded {n} submission{'s' * (n != 1)}{part} in {seconds:.1f} s · seed {summary['seed']} · "
            f"{summary['examples']} examples per implementation")
    lines = [head]
    points = {r["gate"]: r["points"] for r in summary["assignment"]["gates"]}
    if summary["gates"]:
        width = max(8, *(len(g) for g in summary["gates"]))
        lines.append(f"  {'gate':{width}}  points  passed  failed  errors  missing")
        for gate in summary["gates"]:
            c = summary["gate_counts"][gate]
            pts = f"{points[gate]:g}" if gate in points else "1"
            lines.append(f"  {gate:{width}}  {pts:>6}  {c['pass']:>6}  {c['fail']:>6}  {c['error']:>6}  {c['missing']:>7}")
    sc = summary["scores"]
    if sc["mean"] is not None:
        maxima = {r["max_score"] for r in summary["submissions"]}
        of = f" of {next(iter(maxima)):g}" if len(maxima) == 1 else ""
        lines.append(f"  scores{of}: mean {sc['mean']:g}, median {sc['median']:g}, min {sc['min']:g}, max {sc['max']:g}")
    bad = summary["unloadable"]
    if bad:
        shown = ", ".join(bad[:8]) + (f" and {len(bad) - 8} more" if len(bad) > 8 else "")
        lines.append(f"  could not be loaded ({len(bad)}): {shown}")
    lines.append(f"  written: {out / 'summary.html'}, summary.json, grades.csv, and <name>/report.json, index.html, results.json")
    return lines


def _grade(args: argparse.Namespace) -> int:
    from . import classsummary, grade

    s = settings(args)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise _Unusable(f"--out {out} is a file, not a folder")
    if out.resolve() == args.submissions.resolve():
        raise _Unusable("--out must not be the submissions folder itself")
    try:
        subs, skipped = grade.find_submissions(args.submissions, skip=[out])
        out.mkdir(parents=True, exist_ok=True)
    except grade.GradeError as exc:
        raise _Unusable(str(exc)) from None
    except OSError as exc:
        raise _Unusable(f"cannot create {out}: {exc.strerror or exc}") from None
    record = None
    if args.shard is not None:
        record = shard.Record.of_class(args.shard, [sub.path.name for sub in subs])
        subs = shard.select(subs, args.shard, lambda sub: sub.path.name)
    jobs = min(args.jobs, len(subs))
    which = f"shard {args.shard}: {len(subs)} of {record.of}" if record else f"{len(subs)}"
    print(f"gradgate: grading {which} submissions from {args.submissions} · {_describe(s)}"
          f"{f' · {jobs} jobs' if jobs > 1 else ''}", flush=True)
    if skipped:
        print(f"gradgate: skipped (not a .py file or a folder): {', '.join(skipped)}", flush=True)
    started = time.perf_counter()
    progress = Progress(len(subs), sys.stderr)
    try:
        outcomes = grade.grade_all(subs, s, out, jobs=jobs, on_done=progress, on_start=progress.started,
                                   fail_fast=args.fail_fast)
    finally:
        progress.close()
    names = [o.name for o in outcomes]
    try:
        grade.complete([out / name for name in names])
        graded = [classsummary.read(out / name) for name in names]
        if graded:
            summary = classsummary.summarize(graded)
        else:  # a shard of a class with fewer students than shards: an empty class, merged like any shard
            summary = classsummary.nobody(s.seed, s.examples, grade.assignment_json(s.assignment))
        if record is not None:
            summary["shard"] = record.to_json()
        classsummary.write(out, summary)
    except classsummary.SummaryError as exc:
        print(f"gradgate grade: cannot write the class summary: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(screen(summary, time.perf_counter() - started, out)))
    failed = [o for o in outcomes if o.grader_error]
    for o in failed:
        print(f"gradgate grade: {o.name}: {o.grader_error}", file=sys.stderr)
    if len(outcomes) < len(subs):
        first = next(o for o in outcomes if grade.stops(o))
        why = first.grader_error or f"could not be loaded: {first.error}"
        left = len(subs) - len(outcomes)
        print(f"gradgate grade: stopped (--fail-fast) at {first.name}: {why}; {left} submission{'s' * (left != 1)} "
              "not graded (without --fail-fast every submission is graded)", file=sys.stderr)
    return EXIT_FAILED if failed or len(outcomes) < len(subs) else EXIT_OK


# ---------------------------------------------------------------------------------------------
# gradescope


def _gradescope(args: argparse.Namespace) -> int:
    from . import grade

    s = settings(args)
    folder: Path = args.submission
    if not folder.is_dir():
        raise _Unusable(f"the submission folder {folder} does not exist (inside Gradescope it is "
                        f"{GRADESCOPE_SUBMISSION}; elsewhere pass --submission DIR)")
    print(f"gradgate: grading {folder} · {_describe(s)}", flush=True)
    if args.assignment is None:
        print("gradgate gradescope: without --assignment the submission is graded on the gates it has, so one that "
              "cannot be loaded has no tests to fail; `gradgate assignment init REFERENCE > assignment.toml` writes a file",
              file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="gradgate-gradescope-") as scratch:
        out = Path(scratch)
        outcome = grade.grade_one(grade.Submission("submission", folder), s, out)
        results = json.loads((out / "submission" / grade.RESULTS).read_text(encoding="utf-8"))
    try:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise _Unusable(f"cannot write {args.results}: {exc.strerror or exc}") from None
    for t in results["tests"]:
        print(t["output"])
    print(f"gradgate: {outcome.score:g}/{outcome.max_score:g} points; results written to {args.results}")
    if outcome.grader_error:
        print(f"gradgate gradescope: {outcome.grader_error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# merge


def _merge(args: argparse.Namespace) -> int:
    from . import classsummary, grade

    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise _Unusable(f"--out {out} is a file, not a folder")
    started = time.perf_counter()
    try:
        parts = [shard.read(d) for d in args.dirs]
        shard.check(parts)  # refuse before copying anything: an incomplete set of shards is no class
        graded = classsummary.scan([p.folder for p in parts if not p.empty])
        shard.check_complete(parts, [str(g.data["submission"].get("path", g.name)) for g in graded])
        summary = classsummary.summarize(graded)  # refuse before copying anything
        graded = classsummary.gather(graded, out)
        grade.complete([g.folder for g in graded])  # the merged class's gates, as one run would have
        graded = [classsummary.read(g.folder) for g in graded]
        summary = classsummary.summarize(graded)
        classsummary.write(out, summary)
    except (classsummary.SummaryError, shard.ShardError) as exc:
        raise _Unusable(str(exc)) from None
    except OSError as exc:
        raise _Unusable(f"cannot write to {out}: {exc.strerror or exc}") from None
    print(f"gradgate: merged {len(graded)} submissions from {len(args.dirs)} folders into {out}")
    print("\n".join(screen(summary, time.perf_counter() - started, out)[1:]))
    return EXIT_OK



# ---------------------------------------------------------------------------------------------
# assignment init


def _assignment_init(args: argparse.Namespace) -> int:
    from . import assignmentinit

    reference: Path = args.reference
    if not reference.exists():
        raise _Unusable(f"{reference} does not exist: expected the reference solution, a .py file or a folder")
    print(f"gradgate: checking the reference {reference} · seed {args.seed} · {args.examples} examples per implementation",
          file=sys.stderr, flush=True)
    data = assignmentinit.run_reference(reference, examples=args.examples, seed=args.seed, timeout=args.timeout)
    why = assignmentinit.describe_failure(data)
    if why is not None:
        raise _Unusable(why)
    rules = assignmentinit.reference_rules(data)
    sys.stdout.write(assignmentinit.toml(rules, str(reference), DEFAULT_EXAMPLES, args.seed))
    for gate, reason in rules.left_out:
        print(f"gradgate: left out {gate}, which the reference does not pass: {reason}", file=sys.stderr)
    print(f"gradgate: {len(rules.rules)} gates, one point each", file=sys.stderr)
    return EXIT_OK
