"""The diagnosis is proven by a corpus of bugs with their kinds: mutants whose header names the
finding they must get (`# DIAGNOSIS: scale factor N`), and deliberately mixed bugs that must get
a right finding or none (`# DIAGNOSIS-MIXED: scale factor 1/N | transpose`). A correct implementation
never gets one (it passes). No test names a gate: the files carry the cases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gradgate import jsonreport, terminal
from gradgate.checks.engine import run
from gradgate.checks.results import Status

from .conftest import CORRECT, MUTANTS, sampled

HEADER = re.compile(r"^# DIAGNOSIS(-MIXED)?: (.+)$", re.MULTILINE)


def _declared(path: Path) -> tuple[bool, list[tuple[str, str]]] | None:
    """(mixed, [(kind, detail)]) from a mutant's header, None when it declares nothing."""
    found = HEADER.search(path.read_text()[:2000])
    if not found:
        return None
    choices = []
    for part in found.group(2).split("|"):
        kind, _, detail = part.strip().partition(" ")
        choices.append((kind, detail.strip()))
    return bool(found.group(1)), choices


DIAGNOSED = [p for p in sorted(MUTANTS.glob("*__*.py")) if _declared(p)]


def _failing(path: Path) -> list:  # type: ignore[type-arg]
    """The results of the mutant's gate that did not pass (a model has one per configuration)."""
    report = run(path, examples=100, seed=0, timeout=20)
    gate = path.name.split("__")[0]
    return [r for r in report.results if r.gate == gate and r.status is not Status.PASS]


@pytest.mark.parametrize("path", sampled(DIAGNOSED, 3), ids=lambda p: p.stem)
def test_a_known_bug_gets_its_diagnosis(path: Path) -> None:
    declared = _declared(path)
    assert declared is not None
    mixed, choices = declared
    failing = _failing(path)
    assert failing
    got = [(f.kind.value, f.detail) for r in failing for f in r.diagnosis]
    if mixed:
        assert all(any(k == kind and d in detail for k, d in choices) for kind, detail in got), got
    else:
        assert any(k == kind and d in detail for kind, detail in got for k, d in choices), (got, choices)
        assert all(f.message and f.evidence for r in failing for f in r.diagnosis)


def test_every_kind_has_three_known_bugs_in_different_gates() -> None:
    by_kind: dict[str, set[str]] = {}
    for path in DIAGNOSED:
        declared = _declared(path)
        assert declared is not None
        if not declared[0]:
            for kind, _ in declared[1]:
                by_kind.setdefault(kind, set()).add(path.name.split("__")[0])
    kinds = {"scale", "sign", "transpose", "upstream_ignored", "lost_accumulation", "only_when", "missing_term", "forward_wrong"}
    short = {k: sorted(by_kind.get(k, ())) for k in kinds if len(by_kind.get(k, ())) < 3}
    assert not short, short


@pytest.mark.parametrize("path", sorted(CORRECT.glob("*__*.py"))[::6], ids=lambda p: p.stem)
def test_a_correct_implementation_gets_no_diagnosis(path: Path) -> None:
    report = run(path, examples=50, seed=7, timeout=20)
    assert all(r.status is Status.PASS and not r.diagnosis for r in report.results)


def test_the_diagnosis_is_in_the_terminal_and_the_json() -> None:
    path = next(p for p in DIAGNOSED if "not_divided_by_N" in p.name)
    report = run(path, examples=100, seed=0, timeout=20)
    failing = [r for r in report.results if r.status is not Status.PASS]
    lines = [line for r in failing for line in terminal.implementation_lines(r)]
    assert any(line.strip().startswith("likely cause:") for line in lines), lines
    data = jsonreport.to_dict(report)
    findings = [f for r in data["results"] for f in r["diagnosis"]]
    assert findings and {"kind", "input", "detail", "message", "evidence"} <= set(findings[0])
