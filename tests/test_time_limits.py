"""The time limit of a call into student code: adaptive by default (a multiple of the reference's
own time on the same input, within a floor and a ceiling), fixed with --timeout S, the same in
process, in the sandbox, in `gradgate check` and in grading; a hang names the function it was in."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from gradgate.checks.engine import run
from gradgate.checks.results import Status
from gradgate.cli import main
from gradgate.defaults import DEFAULT_TIMEOUT, Adaptive
from gradgate.terminal import implementation_lines

HANGS = textwrap.dedent(
    """\
    import numpy as np

    def relu_forward(x):
        return np.maximum(0, x), x

    def relu_backward(dout, cache):
        x = cache
        while True:
            x = x + 0
    """
)
CORRECT = "import numpy as np\ndef relu_forward(x):\n    return np.maximum(0, x), x\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n"
STOPPED = re.compile(r"still running after ([0-9.e-]+) s at hang\.py:[89] in relu_backward")


def _hang(tmp_path: Path) -> Path:
    path = tmp_path / "hang.py"
    path.write_text(HANGS)
    return path


def _stopped_after(report) -> float:  # type: ignore[no-untyped-def]
    (result,) = [r for r in report.results if r.gate == "relu"]
    assert result.status is Status.ERROR, result.message
    found = STOPPED.search(result.message)
    assert found, result.message
    return float(found.group(1))


def test_the_adaptive_limit_is_a_multiple_of_the_reference_within_its_floor_and_ceiling() -> None:
    policy = Adaptive(floor=5, multiple=1000, ceiling=60)
    assert policy.seconds(0.0001) == 5  # a small gate: the floor
    assert policy.seconds(0.02) == 20  # a large model: its own time, a thousandfold
    assert policy.seconds(1.0) == 60
    assert policy.seconds(None) == 60  # nothing to time (a stochastic layer's): the ceiling
    assert DEFAULT_TIMEOUT == policy


def test_a_hang_in_a_small_gate_costs_the_floor_and_names_the_backward(tmp_path: Path) -> None:
    report = run(_hang(tmp_path), examples=5, seed=0)
    assert _stopped_after(report) == 5
    (result,) = report.results
    assert "the limit follows the reference's time on this input; --timeout S sets a fixed one" in result.message
    row = implementation_lines(result)[0]
    assert row.startswith("ERROR relu") and "relu_backward" in row and "relu_forward" not in row, row


def test_the_limit_follows_the_references_own_time_on_the_input(tmp_path: Path) -> None:
    # no floor, one times the reference: the hang is stopped after the reference's own time
    # (well under a second for relu), not at a constant
    report = run(_hang(tmp_path), examples=5, seed=0, timeout=Adaptive(floor=0, multiple=1, ceiling=60))
    assert 0 < _stopped_after(report) < 1


def test_a_fixed_timeout_replaces_the_adaptive_one(tmp_path: Path) -> None:
    report = run(_hang(tmp_path), examples=5, seed=0, timeout=1.5)
    assert _stopped_after(report) == 1.5
    assert "--timeout S allows longer" in report.results[0].message


def test_the_sandbox_applies_the_same_limit(tmp_path: Path) -> None:
    sandbox = pytest.importorskip("gradgate.checks.sandbox")
    report = run(_hang(tmp_path), examples=5, seed=0, executor=sandbox.Sandbox())
    assert _stopped_after(report) == 5


def test_grading_records_the_policy_and_its_rerun_command_keeps_a_fixed_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("gradgate.checks.sandbox")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann.py").write_text(CORRECT)
    for extra, recorded, command in (
        ([], {"floor": 5.0, "multiple": 1000.0, "ceiling": 60.0}, "gradgate check ann.py --seed 0 --examples 3 --no-report"),
        (["--timeout", "4"], 4.0, "gradgate check ann.py --seed 0 --examples 3 --timeout 4 --no-report"),
    ):
        out = tmp_path / f"out{len(extra)}"
        assert main(["grade", str(subs), "--out", str(out), "--examples", "3", *extra]) == 0
        report = json.loads((out / "ann" / "report.json").read_text())
        assert report["submission"]["grading"]["timeout"] == recorded
        assert report["command"] == command
    capsys.readouterr()
