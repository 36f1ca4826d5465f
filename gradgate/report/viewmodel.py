"""The page's content as plain data: `view(data)` turns a `gradgate.report/1` dict into the view
model (the summary matrix's rows and cells, and per implementation its checks, histogram, failing
example with heatmap and reproduction snippet, and graph), which the template only lays out.

A pure function of the JSON, as `jsonreport.to_dict` writes it or as read back from a file: the same
report gives the same page wherever and whenever it is rendered. It raises ReportError, naming the
field, on a report that is not gradgate.report/1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gradgate.checks.results import Check
from gradgate.checks.tolerances import BANDS, FAIL_ABOVE, band

from . import graph, heatmap, histogram
from .display import BAND_CLASS, preview, sci
from .graph import Graph
from .heatmap import Heatmap
from .histogram import Histogram
from .schema import SCHEMA, ReportError, is_array, need
from .snippets import snippet

COLUMNS: tuple[tuple[Check, str], ...] = (
    (Check.CONTRACT, "contract"),
    (Check.FORWARD, "forward vs torch"),
    (Check.BACKWARD_TORCH, "backward vs torch"),
    (Check.BACKWARD_FD, "backward vs finite differences"),
    (Check.MUTATION, "mutation"),
    (Check.DETERMINISM, "determinism"),
)
STATUS_ONLY = (Check.CONTRACT, Check.MUTATION)  # checks that pass or fail without a number
STATUS_RANK = {"pass": 0, "fail": 2, "error": 3}
CHECK_LABEL = {c.value: label for c, label in COLUMNS}
# How the page names an unchecked entry's kind (the JSON's `kind`; absent in older reports: implementation).
UNCHECKED_KINDS = {"implementation": "implementation", "module": "module", "course_file": "course file"}


@dataclass
class Cell:
    text: str
    cls: str  # band class, or a status class
    sort: float
    title: str
    failed: bool = False


@dataclass
class Row:
    index: int
    gate: str
    implementation: str
    status: str
    cells: list[Cell]


@dataclass
class Example:
    check: str
    check_label: str
    input: str | None
    message: str
    sizes: list[tuple[str, str]]
    inputs: list[tuple[str, str, str]]  # name, shape or kind, preview
    dout: tuple[str, str] | None
    analytic: str | None
    expected: str | None
    reference: str
    wrong_entries: str
    heatmap: Heatmap | None
    snippet: str


@dataclass
class Implementation:
    index: int
    gate: str
    implementation: str
    status: str
    message: str
    source: str
    examples_run: int
    checks: list[dict[str, Any]]
    histogram: Histogram | None
    example: Example | None
    mutations: list[str]
    output: str
    graph: Graph | None = None
    advisories: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    diagnosis: list[dict[str, str]] = field(default_factory=list)  # kind, detail, message, evidence
    seconds: str = ""  # its check's time, as shown ("" in a report from before it was recorded)


@dataclass
class GradedGate:
    gate: str
    verdict: str  # pass / fail / error / missing
    points: str  # "0/4"
    reason: str


@dataclass
class Grade:
    """The points of a graded report (its "submission" key), shown at the top of the student's page."""

    name: str
    score: str
    max_score: str
    gates: list[GradedGate]


def _points(x: Any) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def _grade(data: Mapping[str, Any]) -> Grade | None:
    payload = data.get("submission")
    if not isinstance(payload, Mapping) or not isinstance(payload.get("gates"), list):
        return None  # a report of `gradgate check`: nothing was graded
    gates = [
        GradedGate(str(c.get("gate", "")), str(c.get("verdict", "")),
                   f"{_points(c.get('score'))}/{_points(c.get('max_score'))}", str(c.get("reason") or ""))
        for c in payload["gates"] if isinstance(c, Mapping)
    ]  # fmt: skip
    return Grade(str(payload.get("name", "")), _points(payload.get("score")), _points(payload.get("max_score")), gates)


@dataclass
class View:
    title: str
    target: str
    seed: Any
    examples: Any
    error: str | None
    summary: dict[str, int]
    columns: list[tuple[str, str]]
    rows: list[Row]
    implementations: list[Implementation]
    unchecked: list[dict[str, str]]
    seconds: Any
    versions: list[tuple[str, str]]
    command: str | None
    legend: list[tuple[str, str, str]]
    thresholds: list[tuple[str, str]]
    grade: Grade | None = None


def _cell(check: Check, entries: list[dict[str, Any]], ran: bool, where: str) -> Cell:
    label = CHECK_LABEL[check.value]
    statuses = [need(e, "status", where, str) for e in entries]
    bad = [s for s in statuses if s != "pass"]
    status = max(bad, key=lambda s: STATUS_RANK.get(s, 1)) if bad else ("pass" if entries or ran else "none")
    errors = [e["max_rel_error"] for e in entries if isinstance(e.get("max_rel_error"), (int, float))]
    parts = [f"{e.get('input') or '-'} {sci(e.get('max_rel_error'))} ({e.get('status')})" for e in entries]
    title = f"{label}: " + ("; ".join(parts) if parts else ("passed" if status == "pass" else "not measured"))
    if check in STATUS_ONLY or not errors:
        if status == "none":
            return Cell("—", "bna", -1.0, f"{label}: not measured")
        text = {"pass": "ok"}.get(status, status.upper())
        return Cell(text, f"s-{status}", float(STATUS_RANK.get(status, 1)), title, failed=status != "pass")
    worst = max(errors)
    failed = status != "pass"
    return Cell(sci(worst) + (" ✗" if failed else ""), BAND_CLASS[band(worst)], 10.0 + worst if failed else worst, title, failed)


def _cell_text(cell: Any) -> str:
    """' cell [12] (index 5) line 3' for a definition in a notebook, else ''."""
    if not isinstance(cell, dict):
        return ""
    count = cell.get("execution_count")
    return f" cell [{count if count is not None else ' '}] (index {cell.get('index')}) line {cell.get('line')}"


def _example(data: Mapping[str, Any], index: int, result: Mapping[str, Any], budget: list[int], json_name: str) -> Example | None:
    cex = result.get("counterexample")
    if not cex:
        return None
    where = f"results[{index}].counterexample"
    check = need(cex, "check", where, str)
    if check not in CHECK_LABEL:
        raise ReportError(f"{where}.check is {check!r}, not one of {', '.join(CHECK_LABEL)}")
    inputs = need(cex, "inputs", where, dict)
    sizes = need(cex, "sizes", where, dict)
    shown_inputs = []
    for k, v in inputs.items():
        if is_array(v):
            shown_inputs.append((k, str(tuple(v["shape"])), preview(v)))
        else:
            shown_inputs.append((k, type(v).__name__, preview(v)))
    dout = cex.get("dout")
    reference = "torch autograd" if check in (Check.BACKWARD_TORCH.value, Check.FORWARD.value) else "finite differences of your forward"
    if check == Check.FORWARD.value:
        reference = "the torch reference forward"
    limit = Check.FORWARD if check == Check.FORWARD.value else Check.BACKWARD_TORCH
    wrong = cex.get("wrong_entries") or []
    wrong_text = ", ".join("(" + ", ".join(str(i) for i in e) + ")" for e in wrong[:20])
    if len(wrong) >= 20:
        wrong_text += " …"
    return Example(
        check=check,
        check_label=CHECK_LABEL[check],
        input=cex.get("input"),
        message=str(need(cex, "message", where)),
        sizes=[(str(k), repr(v)) for k, v in sizes.items()],
        inputs=shown_inputs,
        dout=(str(tuple(dout["shape"])), preview(dout)) if is_array(dout) else None,
        analytic=preview(cex["analytic"]) if is_array(cex.get("analytic")) else None,
        expected=preview(cex["expected"]) if is_array(cex.get("expected")) else None,
        reference=reference,
        wrong_entries=wrong_text,
        heatmap=heatmap.build(cex, reference, limit, budget),
        snippet=snippet(data, index, json_name),
    )


def view(data: Mapping[str, Any], json_name: str = "report.json") -> View:
    """The page's content as plain data (raises ReportError on a malformed report)."""
    if need(data, "schema", "the report") != SCHEMA:
        raise ReportError(f"not a {SCHEMA} report (schema {data.get('schema')!r})")
    results = need(data, "results", "the report", list)
    budget = [0]
    graph_budget = [0]
    rows: list[Row] = []
    impls: list[Implementation] = []
    for i, r in enumerate(results):
        where = f"results[{i}]"
        status = need(r, "status", where, str)
        checks = need(r, "checks", where, list)
        examples_run = int(need(r, "examples_run", where, int))
        by_check: dict[str, list[dict[str, Any]]] = {}
        for j, c in enumerate(checks):
            name = need(c, "check", f"{where}.checks[{j}]", str)
            if name not in CHECK_LABEL:
                raise ReportError(f"{where}.checks[{j}].check is {name!r}, not one of {', '.join(CHECK_LABEL)}")
            by_check.setdefault(name, []).append(c)
        ran = examples_run > 0 and status == "pass" or any(c.get("status") == "pass" for c in checks)
        cells = [_cell(check, by_check.get(check.value, []), ran if check in STATUS_ONLY else False, where) for check, _ in COLUMNS]
        gate = str(need(r, "gate", where))
        impl = str(need(r, "implementation", where))
        rows.append(Row(i, gate, impl, status, cells))
        table = []
        for c in checks:
            e = c.get("max_rel_error")
            table.append({
                "check": CHECK_LABEL[c["check"]],
                "input": c.get("input") or "",
                "error": sci(e) if e is not None else "—",
                "band": band(e) if e is not None else "",
                "cls": BAND_CLASS[band(e)] if e is not None else "bna",
                "status": c.get("status", ""),
            })
        mutations = [
            f"{c.get('input')}" for c in checks if c.get("check") == Check.MUTATION.value and c.get("status") != "pass"
        ]
        impls.append(
            Implementation(
                index=i,
                gate=gate,
                implementation=impl,
                status=status,
                message=str(r.get("message") or ""),
                source=str(r.get("source") or "") + _cell_text(r.get("cell")),
                examples_run=examples_run,
                seconds=f"{r['seconds']:.2f}" if isinstance(r.get("seconds"), (int, float)) else "",
                checks=table,
                histogram=histogram.build(r.get("example_errors") or []),
                example=_example(data, i, r, budget, json_name),
                mutations=mutations,
                output=str(r.get("output") or ""),
                graph=graph.build(r, where, graph_budget),
                advisories=[
                    (str(a.get("kind") or ""), str(a.get("message") or ""))
                    for a in (r.get("advisories") or []) if isinstance(a, dict)
                ],
                diagnosis=[
                    {k: str(f.get(k) or "") for k in ("kind", "input", "detail", "message", "evidence")}
                    for f in (r.get("diagnosis") or []) if isinstance(f, dict)
                ],
            )
        )
    summary = need(data, "summary", "the report", dict)
    versions = data.get("versions") or {}
    limits = [
        (CHECK_LABEL[c.value], f"{FAIL_ABOVE[c]:.0e}".replace("e-0", "e-"))
        for c in (Check.FORWARD, Check.BACKWARD_TORCH, Check.BACKWARD_FD, Check.DETERMINISM)
    ]
    legend = []
    lower = 0.0
    for limit, name in BANDS:
        span = f"< {limit:.0e}".replace("e-0", "e-") if lower == 0 else (f"≥ {lower:.0e}".replace("e-0", "e-") if math.isinf(limit) else f"{lower:.0e} – {limit:.0e}".replace("e-0", "e-"))
        legend.append((BAND_CLASS[name], name, span))
        lower = limit
    target = str(need(data, "target", "the report"))
    grade = _grade(data)
    if grade is not None and isinstance(data["submission"].get("path"), str):
        target = data["submission"]["path"]  # where it sits in the class ("alice", "bob.py"), not "."
    return View(
        title=f"gradgate: {target}",
        target=target,
        seed=need(data, "seed", "the report"),
        examples=need(data, "examples", "the report"),
        error=data.get("error"),
        summary={k: int(summary.get(k, 0)) for k in ("pass", "fail", "error")},
        columns=[(c.value, label) for c, label in COLUMNS],
        rows=rows,
        implementations=impls,
        unchecked=[
            {"name": str(u.get("name", "")), "source": str(u.get("source", "")), "reason": str(u.get("reason", "")),
             "kind": UNCHECKED_KINDS.get(str(u.get("kind", "implementation")), str(u.get("kind", "")))}
            for u in (data.get("unchecked") or [])
        ],
        seconds=data.get("seconds"),
        versions=[(str(k), str(v)) for k, v in versions.items()],
        command=data.get("command"),
        legend=legend,
        thresholds=limits,
        grade=grade,
    )
