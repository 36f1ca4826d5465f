"""Gradescope's results.json from a graded report: one test per gate, with its points and visibility.

A test's output is what `gradgate check` prints for each implementation of the gate, as Markdown
(`output_format: "md"`): the verdict line, then the terminal's lines in a fenced block, so columns
stay aligned and nothing a student wrote is read as Markdown or HTML. For a gate whose
counterexamples are hidden it keeps the verdict, the failing check and the worst errors, and leaves
out the minimal example (and the seed, which would let a student regenerate it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from gradgate.checks.results import Check, CheckResult, Counterexample, ImplementationResult, Status

from . import terminal
from .assignment import Assignment

_CEX_FIELDS = {f.name for f in fields(Counterexample)}
OUTPUT_FORMAT = "md"  # Gradescope renders the outputs as Markdown
_HEAD = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "missing": "MISSING"}


def _result(data: Mapping[str, Any], hide_example: bool) -> ImplementationResult:
    """The dataclass back from its JSON, so the output is exactly the terminal's."""
    checks = [CheckResult(Check(c["check"]), c["input"], c["max_rel_error"], Status(c["status"])) for c in data["checks"]]
    cex = None
    if data.get("counterexample") and not hide_example:
        raw = data["counterexample"]
        cex = Counterexample(**{k: v for k, v in raw.items() if k in _CEX_FIELDS} | {"check": Check(raw["check"])})
    return ImplementationResult(
        gate=data["gate"],
        implementation=data["implementation"],
        status=Status(data["status"]),
        checks=checks,
        counterexample=cex,
        message=data.get("message", ""),
        examples_run=data.get("examples_run", 0),
        source=data.get("source", ""),
        output=data.get("output", ""),
    )


def _points(x: float) -> str:
    return f"{x:g}"


def _block(lines: list[str]) -> list[str]:
    """A fenced Markdown block, its fence longer than any run of backticks inside."""
    if not lines:
        return []
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return ["", fence, *lines, fence]


def test_output(cell: Mapping[str, Any], data: Mapping[str, Any], hide_example: bool) -> str:
    """The Markdown a student sees under one gate's test: the verdict, then the terminal's lines."""
    head = f"{_HEAD.get(cell['verdict'], cell['verdict'].upper())} {cell['gate']}: {_points(cell['score'])}/{_points(cell['max_score'])} points"
    mine = [r for r in data["results"] if r["gate"] == cell["gate"] and r["implementation"] in cell["implementations"]]
    lines = []
    if cell["verdict"] in ("missing", "error") and not mine:
        lines.append(cell["reason"])
    for r in mine:
        lines.extend(terminal.implementation_lines(_result(r, hide_example)))
    if hide_example and cell["verdict"] != "pass" and any(r.get("counterexample") for r in mine):
        lines.append("(the failing example is not shown for this gate)")
    return "\n".join([head, *_block(lines)])


def overview(data: Mapping[str, Any], hide_seed: bool) -> str:
    payload = data["submission"]
    lines = [f"gradgate: {_points(payload['score'])}/{_points(payload['max_score'])} points"]
    if data.get("error") is not None:
        lines += ["", "Your submission could not be loaded:", *_block([str(data["error"])])]
    elif not payload["gates"]:
        lines += ["", "Nothing was graded: no implementation found follows the course's naming conventions."]
    unchecked = [f"unchecked {u['name']} ({u['reason']})" for u in data.get("unchecked", [])]
    lines += _block(unchecked)
    if not hide_seed:
        lines += ["", f"{data['examples']} examples per implementation, seed {data['seed']}. "
                  "To see the same examples, run in your submission's folder:", *_block([str(data["command"])])]
    return "\n".join(lines)


def results(data: Mapping[str, Any], assignment: Assignment) -> dict[str, Any]:
    """results.json for one graded report (a report.json with its "submission" key)."""
    payload = data["submission"]
    tests = []
    hidden = False
    for cell in payload["gates"]:
        rule = assignment.rule(cell["gate"])
        hide = rule.counterexamples == "hidden"
        hidden = hidden or hide
        tests.append({
            "name": cell["gate"],
            "score": cell["score"],
            "max_score": cell["max_score"],
            "status": "passed" if cell["verdict"] == "pass" else "failed",
            "output": test_output(cell, data, hide),
            "output_format": OUTPUT_FORMAT,
            "visibility": rule.visibility,
        })
    return {
        "score": payload["score"],
        "execution_time": round(float(data.get("seconds") or 0.0), 1),
        "output": overview(data, hide_seed=hidden),
        "output_format": OUTPUT_FORMAT,
        "test_output_format": OUTPUT_FORMAT,
        "visibility": assignment.visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
    }
