"""The engine is proven by its corpora: every mutant must fail, every correct implementation must
pass on every seed. One generic test per corpus; the files carry the cases.

- tests/mutants/<gate>__<bug>.py: one known-wrong implementation of <gate> (first line: # BUG: ...;
  an optional second line `# MESSAGE: ...` is a fragment its verdict's message must contain).
- tests/correct/<gate>__<variant>.py and gates/student/: correct ones, kink-heavy variants included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gradgate.checks.engine import run
from gradgate.checks.results import RunReport, Status
from gradgate.gates import REGISTRY

from .conftest import CORRECT, MUTANTS, SEEDS, STUDENT, sampled

GATES = {s.name for s in REGISTRY}
MESSAGE = "# MESSAGE: "  # a mutant's second line: what its verdict must say


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*__*.py"))


def _gate(path: Path) -> str:
    return path.name.split("__")[0]


def test_corpus_file_names_name_registered_gates() -> None:
    for path in _files(MUTANTS) + _files(CORRECT):
        assert _gate(path) in GATES, f"{path.name}: no registry entry named {_gate(path)!r}"


def test_every_registered_gate_has_mutants() -> None:
    mutated = {_gate(p) for p in _files(MUTANTS)}
    assert GATES <= mutated, f"gates without a mutant: {sorted(GATES - mutated)}"


# Every mutant and correct variant under GRADGATE_FULL=1 (.ci/run, which gates every landing); a
# fifth of the mutants and a quarter of the correct variants, the same every run, in the default
# local run (tests/conftest.py).
@pytest.mark.parametrize("path", sampled(_files(MUTANTS), 5), ids=lambda p: p.stem)
def test_mutant_fails(path: Path) -> None:
    # only the entries of the mutant's gate: the verdicts asserted on are the same, and a file that
    # implements many entries (a scalar engine's Value) is not checked whole for each of its bugs
    report = run(path, examples=100, seed=0, registry=[s for s in REGISTRY if s.name == _gate(path)])
    assert report.error is None, report.error
    # a configurable model has a result per configuration: the mutant fails if any of them fails
    # (a bug only in the dropout path fails FullyConnectedNet[dropout] alone)
    mine = [r for r in report.results if r.gate == _gate(path)]
    assert mine, f"{_gate(path)} not found in {path.name}"
    failed = [r for r in mine if r.status in (Status.FAIL, Status.ERROR)]
    assert failed, f"mutant passed: {path.read_text().splitlines()[0]}"
    assert all(r.counterexample is not None or r.status is Status.ERROR for r in failed)
    lines = path.read_text().splitlines()
    if len(lines) > 1 and lines[1].startswith(MESSAGE):
        assert any(lines[1].removeprefix(MESSAGE) in r.message for r in failed), [r.message for r in failed]


@pytest.mark.parametrize("seed", range(SEEDS))
@pytest.mark.parametrize("path", [STUDENT, *sampled(_files(CORRECT), 4)], ids=lambda p: p.stem)
def test_correct_implementation_passes(path: Path, seed: int) -> None:
    # the course's own implementations against every third gate by default (all alternatives of a
    # name together: a student's dropout is judged by whichever convention it follows), all in full
    names = set(sampled(sorted({s.name for s in REGISTRY}), 3))
    registry = REGISTRY if path != STUDENT else [s for s in REGISTRY if s.name in names]
    # under the default, adaptive time limit: no correct implementation may be stopped by it
    report = run(path, examples=100, seed=1000 + seed, registry=registry)
    assert report.error is None, report.error
    assert report.results, f"nothing found in {path}"
    failures = [f"{r.implementation}: {r.message}" for r in report.results if r.status is not Status.PASS]
    assert not failures, failures


def test_builtin_student_code_covers_the_registry(student_run: RunReport) -> None:
    report = student_run
    assert {r.gate for r in report.results} == GATES
    # alternative conventions of one gate each have a student implementation that passes as such
    alternatives = {(s.name, s.variant) for s in REGISTRY if s.variant}
    assert alternatives <= {(r.gate, r.variant) for r in report.results if r.status.value == "pass"}
    assert not report.unchecked, report.unchecked


def test_a_changed_upstream_gradient_of_a_layer_with_two_outputs_is_named() -> None:
    """lstm_step's backward gets dnext_h and dnext_c: the report says which one was changed, at
    its own index, not at an index of the two joined together."""
    report = run(MUTANTS / "lstm_step__dnext_c_changed_in_place.py", examples=20, seed=0, timeout=20)
    (lstm,) = [r for r in report.results if r.gate == "lstm_step"]
    assert lstm.status is Status.FAIL
    assert "upstream gradient for output 2 of 2" in lstm.message, lstm.message
