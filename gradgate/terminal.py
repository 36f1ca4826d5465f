"""Terminal rendering: a line per implementation, and for a failure the check, the worst relative
error per input, and the minimal example."""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from gradgate.checks.conventions import Convention
from gradgate.checks.results import Check, CheckResult, ImplementationResult, RunReport, Status, UncheckedKind
from gradgate.gates import REGISTRY

# Lines are printed as results arrive, so the columns fit the registry's names, not the run's.
GATE_WIDTH = max(len(s.name) for s in REGISTRY)
IMPLEMENTATION_WIDTH = GATE_WIDTH + len("_forward")

SHORT = {
    Check.CONTRACT: "contract",
    Check.FORWARD: "fwd",
    Check.BACKWARD_TORCH: "bwd/torch",
    Check.BACKWARD_FD: "bwd/fd",
    Check.MUTATION: "mutation",
    Check.DETERMINISM: "determinism",
}


def _sci(x: float | None) -> str:
    return "   n/a " if x is None else f"{x:.1e}"


def _worst(checks: Iterable[CheckResult]) -> dict[Check, CheckResult]:
    out: dict[Check, CheckResult] = {}
    for c in checks:
        have = out.get(c.check)
        if have is None or (c.status is not Status.PASS and have.status is Status.PASS) or (
            (c.max_rel_error or 0) > (have.max_rel_error or 0) and (c.status is Status.PASS) == (have.status is Status.PASS)
        ):
            out[c.check] = c
    return out


def _array(value: Any) -> str:
    if isinstance(value, dict) and "values" in value:
        arr = np.array(value["values"], dtype=float) if value["values"] is not None else np.array(np.nan)
        text = np.array2string(arr, precision=6, separator=", ", threshold=60, max_line_width=100)
        return text.replace("\n", "\n" + " " * 10)
    return repr(value)


# ANSI colours of the status word, on a terminal only (Style.colour)
_COLOURS = {Status.PASS: "32", Status.FAIL: "1;31", Status.ERROR: "1;35"}


@dataclass(frozen=True)
class Style:
    """How rows are drawn: `colour` the status word (a TTY without NO_COLOR), `width` the columns
    to fit (0: no limit, as in a pipe or a log), `folder` the checked folder rows name their file in."""

    colour: bool = False
    width: int = 0
    folder: Path | None = None

    @classmethod
    def of(cls, stream: TextIO, folder: Path | None = None) -> Style:
        tty = stream.isatty()
        colour = tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
        return cls(colour, shutil.get_terminal_size().columns if tty else 0, folder)


# "timed out: still running after 5 s at layers.py:12 in relu_backward": the function it stopped in
_STOPPED_IN = re.compile(r"\bat [^\s:]+:\d+ in (\w+)")


def _blamed(r: ImplementationResult) -> str:
    """The function the failure is in, as the student named it: a layer pair's backward
    (relu_backward) or a gate class's method when only the gradient checks failed."""
    failing = {c.check for c in r.checks if c.status is not Status.PASS}
    stopped = _STOPPED_IN.search(r.message or "") if r.status is Status.ERROR else None
    backward = r.implementation.replace("_forward", "_backward", 1)
    if stopped and r.convention == Convention.LAYER_PAIR.value and stopped.group(1) == backward != r.implementation:
        return backward  # a hang or crash in the pair's other function: relu_backward, not relu_forward
    if r.status is Status.PASS or Check.FORWARD in failing or not failing & {Check.BACKWARD_TORCH, Check.BACKWARD_FD}:
        return r.implementation
    if r.convention == Convention.LAYER_PAIR.value and "_forward" in r.implementation:
        return r.implementation.replace("_forward", "_backward", 1)
    if r.convention == Convention.GATE_CLASS.value:
        return f"{r.implementation}.backward"
    return r.implementation


def _file(r: ImplementationResult, folder: Path | None) -> str:
    if folder is None or not r.source:
        return ""
    try:
        return str(Path(r.source).resolve().relative_to(folder.resolve()))
    except ValueError:
        return Path(r.source).name


def implementation_lines(r: ImplementationResult, style: Style = Style()) -> list[str]:
    worst = _worst(r.checks)
    cells = []
    for check in Check:
        c = worst.get(check)
        if check in (Check.CONTRACT, Check.MUTATION):
            state = "ok" if c is None or c.status is Status.PASS else c.status.value.upper()
            cells.append((f"{SHORT[check]} {state}", state != "ok"))
        elif c is not None:
            flag = "" if c.status is Status.PASS else "!"
            cells.append((f"{SHORT[check]} {_sci(c.max_rel_error)}{flag}", bool(flag)))
    if not r.checks:  # never ran (the file does not import, the course's code is unusable): no cells to show
        cells = []
    ran = f"({r.examples_run} examples)" if r.checks else "(stopped)" if (r.message or "").startswith("timed out") else "(not run)"
    file = _file(r, style.folder)
    file = "" if Path(file).name == r.implementation else file  # a module that did not import is named so already
    status = f"{r.status.value.upper():5}"
    blamed = _blamed(r)
    head = f"{r.gate:{GATE_WIDTH}} {blamed:{IMPLEMENTATION_WIDTH}} "
    row = status + " " + head + "  ".join([c for c, _ in cells] + [ran, file]).rstrip()
    below = []
    if style.width and len(row) > style.width:  # a narrow terminal: the name, what failed, the count
        name = blamed if r.gate in blamed else f"{r.gate} {blamed}"
        row = f"{status} {name}  " + "  ".join([c for c, bad in cells if bad] + [ran])
        if file and len(row) + 2 + len(file) <= style.width:
            row += f"  {file}"
        elif file:
            below = [f"      in {file}"]
    if style.colour:
        row = f"\x1b[{_COLOURS[r.status]}m{status}\x1b[0m" + row[len(status):]
    lines = [row, *below]
    # advisories: one line each under the row, whatever the status (they never change it)
    lines.extend(f"      advisory ({a.kind.value}): {a.message}" for a in r.advisories)
    if r.status is Status.PASS:
        return lines
    if r.cell:  # a notebook: the cell as Jupyter shows it
        count = r.cell.get("execution_count")
        lines.append(f"      in {Path(r.source).name} cell [{count if count is not None else ' '}] (index {r.cell.get('index')}), line {r.cell.get('line')}")
    lines.append(f"      {r.message}")
    lines.extend(f"      likely cause: {f.message}" for f in r.diagnosis)
    per_input = [c for c in r.checks if c.max_rel_error is not None and c.check in (Check.BACKWARD_TORCH, Check.FORWARD)]
    if per_input:
        lines.append("      worst relative error: " + ", ".join(f"{c.input} {_sci(c.max_rel_error)}" for c in per_input))
    if r.variant:  # the course convention it was judged by, where the gate has several
        lines.append(f"      checked as: {r.variant}")
    cex = r.counterexample
    if cex is not None:
        sizes = ", ".join(f"{k}={v}" for k, v in cex.sizes.items())
        lines.append(f"      minimal example ({sizes}):" if sizes else "      minimal example:")
        for name, value in cex.inputs.items():
            lines.append(f"        {name} = {_array(value)}")
        if cex.dout is not None and cex.check is not Check.FORWARD:
            lines.append(f"        dout = {_array(cex.dout)}")
        if cex.analytic is not None:
            ref = "torch" if cex.check in (Check.BACKWARD_TORCH, Check.FORWARD) else "finite differences"
            lines.append(f"        {cex.input} yours    = {_array(cex.analytic)}")
            lines.append(f"        {cex.input} expected = {_array(cex.expected)}  ({ref})")
        if cex.wrong_entries and any(cex.wrong_entries):  # (a scalar's only entry is no news)
            shown = ", ".join(str(tuple(e)) for e in cex.wrong_entries[:8])
            lines.append(f"        wrong entries of {cex.input}: {shown}")
    if r.output.strip():
        lines.append("      printed: " + r.output.strip().splitlines()[0][:100])
    return lines


def header(report: RunReport) -> str:
    return f"gradgate: {report.target} · seed {report.seed} · {report.examples} examples per implementation"


def footer(report: RunReport) -> list[str]:
    lines = []
    for u in report.unchecked:
        lines.append(f"unchecked {u.name} ({u.source}): {u.reason}")
    s = report.summary
    lines.append(
        f"{s['pass']} passed, {s['fail']} failed, {s['error']} errors in {report.seconds:.1f} s "
        f"(rerun with --seed {report.seed})"
    )
    if not report.results and report.error is None:
        lines.extend(nothing_checked(report))
    return lines


def interrupted(judged: list[ImplementationResult], seed: int, chosen: bool) -> str:
    """The summary of a run cut short by Ctrl-C: what was judged before it, and its seed."""
    counts = Counter(r.status for r in judged)
    rerun = f" (rerun with --seed {seed})" if chosen else ""
    return (
        f"gradgate: interrupted: {counts[Status.PASS]} passed, {counts[Status.FAIL]} failed, "
        f"{counts[Status.ERROR]} errors before Ctrl-C; no report written{rerun}"
    )


def durations(report: RunReport, count: int) -> list[str]:
    """The `count` slowest implementations (every one for 0), slowest first, as pytest --durations."""
    timed = sorted(report.results, key=lambda r: r.seconds, reverse=True)
    shown = timed[:count] if count else timed
    what = f"slowest {len(shown)} implementations" if count else "implementations by time"
    lines = [f"{what} (of {report.seconds:.1f} s in all):"]
    for r in shown:
        lines.append(f"  {r.seconds:7.2f}s  {r.implementation}  ({Path(r.source).name if r.source else r.gate})")
    return lines


LOOKED_FOR = (
    "layer pairs NAME_forward with NAME_backward, classes with forward and backward (gates) or with "
    "params and loss (models), functions whose name contains loss, functions the registry names (deeplearning.ai's "
    "propagate, L_model_backward, backward_propagation; EECS 498's nn_forward_backward; `gradgate list`), "
    "scalar autograd engines (a class with data, grad, backward and arithmetic operators), needle TensorOps"
)


def nothing_checked(report: RunReport) -> list[str]:
    """What was looked for and what was found, when no implementation was checked (exit code 5)."""
    found = Counter(u.kind for u in report.unchecked)
    kinds = [(UncheckedKind.IMPLEMENTATION, "implementation(s) not checked"), (UncheckedKind.MODULE, "module(s) that could not be loaded here"),
             (UncheckedKind.COURSE_FILE, "course file(s) not checked")]
    what = ", ".join(f"{found[k]} {label}" for k, label in kinds if found[k]) or "nothing that follows them"
    lines = [f"nothing checked: gradgate looked for {LOOKED_FOR}; found {what}"]
    reasons = Counter(u.reason for u in report.unchecked if u.kind is UncheckedKind.IMPLEMENTATION)
    lines.extend(f"  {n} × {reason}" for reason, n in reasons.most_common(3))
    return lines
