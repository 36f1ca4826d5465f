"""Advisories are shown beside a verdict and are never part of it: the status, the checks, the
examples run and the exit code are what they would be without them. Shown in the terminal (a line
under the row), the JSON (valid against the schema) and the HTML (a note in the section); the
sandbox finds the same ones. Non-finite values of a counterexample are shown as what they are."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from gradgate.checks.engine import run
from gradgate.checks.results import AdvisoryKind, Status
from gradgate.checks.sandbox import Sandbox
from gradgate.gates import REGISTRY
from gradgate.gates.spec import Array

from gradgate import jsonreport
from gradgate import report as htmlreport
from gradgate.cli import main
from gradgate.terminal import implementation_lines

from .conftest import CORRECT, MUTANTS, ROOT

SOFTMAX_2016 = CORRECT / "softmax_loss__course_2016.py"  # -log(probs[y]): inf past ~745
CACHE_POP = CORRECT / "affine__cache_pop.py"
RUNNING_VAR_EPS = CORRECT / "batchnorm__running_var_plus_eps.py"
RAISES_ON_EXTREMES = CORRECT / "softmax_loss_naive__math_loops.py"  # math.log(0) raises ValueError

INF_OUTPUT = '''
import numpy as np
def relu_forward(x):
    out = np.maximum(0, x)
    out[out > 0] = np.inf
    return out, x
def relu_backward(dout, cache):
    return dout * (cache > 0)
'''


def _without_extremes() -> tuple[Any, ...]:
    """The registry with every extreme-input probe taken out: what the verdict alone sees."""
    def strip(spec: Any) -> Any:
        inputs = {k: dataclasses.replace(v, extremes=()) if isinstance(v, Array) else v for k, v in spec.inputs.items()}
        return dataclasses.replace(spec, inputs=inputs)

    return tuple(strip(s) for s in REGISTRY)


def _verdict(result: Any) -> tuple[Any, ...]:
    return result.status, result.message, result.checks, result.examples_run, result.example_errors, result.counterexample


@pytest.mark.parametrize("target", [SOFTMAX_2016, RAISES_ON_EXTREMES, MUTANTS / "softmax_loss__no_max_shift.py"], ids=lambda p: p.stem)
def test_the_extreme_input_probe_never_changes_a_verdict(target: Path) -> None:
    probed = run(target, examples=30, seed=2)
    alone = run(target, examples=30, seed=2, registry=_without_extremes())
    assert [_verdict(r) for r in probed.results] == [_verdict(r) for r in alone.results]
    assert all(not r.advisories for r in alone.results)
    for r in probed.results:
        if r.status is Status.PASS:
            assert [a.kind for a in r.advisories] == [AdvisoryKind.OVERFLOW], r.advisories
        else:  # a failing implementation has its verdict to read first: not probed
            assert not r.advisories


def test_a_raise_on_extreme_inputs_is_an_advisory_naming_the_exception() -> None:
    (result,) = run(RAISES_ON_EXTREMES, examples=20, seed=0).results
    assert result.status is Status.PASS
    (advisory,) = result.advisories
    assert "forward raised ValueError: math domain error" in advisory.message
    assert "math_loops.py:" in advisory.message  # the student's line, never one of ours
    assert "X at scale 1000" in advisory.message and set(advisory.example or {}) == {"W", "X", "y", "reg"}


@pytest.mark.parametrize(
    "target, kind, says",
    [
        (SOFTMAX_2016, "overflow", "the loss is inf once the true class is more than ~745 below the row max"),
        (CACHE_POP, "consumed_cache", "backward consumes its cache: a second backward call on it raises IndexError"),
        (RUNNING_VAR_EPS, "running_statistics", "after forward, bn_param['running_var'] differs from the reference by up to"),
    ],
    ids=["overflow", "consumed_cache", "running_statistics"],
)
def test_check_exits_0_and_prints_the_advisory_under_the_row(
    target: Path, kind: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    code = main(["check", str(target), "--seed", "0", "--examples", "20", "--json", str(report), "--html", str(tmp_path / "r.html")])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    row = next(i for i, line in enumerate(out) if line.startswith("PASS "))
    assert out[row + 1].startswith(f"      advisory ({kind}): {says}"), out
    data = json.loads(report.read_text())
    (result,) = data["results"]
    assert result["status"] == "pass" and data["summary"] == {"pass": 1, "fail": 0, "error": 0}
    assert [a["kind"] for a in result["advisories"]] == [kind] and result["advisories"][0]["example"]


@pytest.fixture(scope="module")
def advised(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One report holding every kind of advisory the engine gives, as written to disk."""
    folder = tmp_path_factory.mktemp("advised")
    for path in (SOFTMAX_2016, CACHE_POP, RUNNING_VAR_EPS):
        (folder / path.name).write_text(path.read_text())
    report = run(folder, examples=20, seed=0)
    return json.loads(json.dumps(jsonreport.to_dict(report, "gradgate check"), allow_nan=False))


def test_a_report_with_advisories_follows_the_schema(advised: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "schemas" / "gradgate.report-1.schema.json").read_text()))
    assert {a["kind"] for r in advised["results"] for a in r["advisories"]} == {"overflow", "consumed_cache", "running_statistics"}
    assert list(validator.iter_errors(advised)) == []
    advised = json.loads(json.dumps(advised))
    advised["results"][0]["advisories"][0]["kind"] = "a new kind"
    assert list(validator.iter_errors(advised))
    # every kind the engine knows is one the schema allows
    assert set(validator.schema["$defs"]["advisory"]["properties"]["kind"]["enum"]) == {k.value for k in AdvisoryKind}


def test_the_html_notes_each_advisory_in_its_implementation_section(advised: dict[str, Any]) -> None:
    page = htmlreport.render(advised)
    assert page.count('<p class="advisory">') == 3
    assert "<strong>Advisory (overflow):</strong> the loss is inf once the true class" in page
    assert "<strong>Advisory (consumed_cache):</strong> backward consumes its cache" in page
    assert "(does not change the verdict)" in page


def test_an_infinite_value_is_shown_as_inf_in_the_terminal_json_and_html(tmp_path: Path) -> None:
    student = tmp_path / "inf_relu.py"
    student.write_text(textwrap.dedent(INF_OUTPUT))
    report = run(student, examples=20, seed=0)
    (result,) = report.results
    assert result.status is Status.FAIL and result.counterexample is not None
    text = "\n".join(implementation_lines(result))
    yours = next(line for line in text.splitlines() if "out yours" in line)
    assert "inf" in yours and "nan" not in yours, yours
    data = json.loads(json.dumps(jsonreport.to_dict(report, "gradgate check"), allow_nan=False))
    assert "inf" in json.dumps(data["results"][0]["counterexample"]["analytic"])
    page = htmlreport.render(data)
    assert "<h4>out yours</h4><pre>[[inf]]</pre>" in page or "<h4>out yours</h4><pre>[inf" in page
    # the heatmap cell of that entry: the value as inf, and an infinite error is wrong, not n/a
    assert "yours inf · expected" in page and "error inf wrong" in page


def test_the_sandbox_finds_the_same_advisories(tmp_path: Path) -> None:
    for path in (SOFTMAX_2016, CACHE_POP):
        (tmp_path / path.name).write_text(path.read_text())
    inproc = run(tmp_path, examples=15, seed=4)
    boxed = run(tmp_path, examples=15, seed=4, executor=Sandbox(timeout=10))

    def seen(report: Any) -> list[tuple[Any, ...]]:
        return [(r.gate, r.status, r.message, [(a.kind, a.message, a.example) for a in r.advisories]) for r in report.results]

    assert seen(inproc) == seen(boxed)
    assert {a.kind for r in boxed.results for a in r.advisories} == {AdvisoryKind.OVERFLOW, AdvisoryKind.CONSUMED_CACHE}


def test_a_backward_that_changes_the_forwards_argument_fails_in_the_sandbox_too(tmp_path: Path) -> None:
    """Its cache holds the caller's x: popping the cache is fine, changing x is not, wherever it runs."""
    report = run(MUTANTS / "affine__cache_pop_mutates_x.py", examples=10, seed=0, executor=Sandbox(timeout=10))
    (result,) = report.results
    assert result.status is Status.FAIL
    assert result.message.startswith("no_mutation: backward changed the forward's argument x in place"), result.message
