"""The gradgate.report/1 JSON, as the engine really writes it, against schemas/gradgate.report-1.schema.json."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

jsonschema = pytest.importorskip("jsonschema")

from gradgate.checks.engine import run
from gradgate.checks.results import Check, Status

from gradgate import jsonreport

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schemas" / "gradgate.report-1.schema.json"
GOLD = ROOT / "tests" / "gold"

HOSTILE = '''
import sys
import numpy as np
def relu_forward(x):
    return np.maximum(0, x), x
def relu_backward(dout, cache):
    while True:
        pass
def affine_forward(x, w, b):
    sys.exit(3)
def affine_backward(dout, cache):
    return dout
class MultiplyGate:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y
    def backward(self, dz):
        return dz * self.y, dz * np.nan
def sigmoid_forward(x):
    raise ValueError('<script>alert(1)</script>')
def sigmoid_backward(dout, cache):
    return dout
'''


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(validator: Any, data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def _engine(target: Path, examples: int = 5, seed: int = 0, timeout: float = 5.0) -> dict[str, Any]:
    report = run(target, examples=examples, seed=seed, timeout=timeout)
    data = jsonreport.to_dict(report, f"gradgate check {target} --seed {seed}")
    # exactly what jsonreport.write puts on disk
    return json.loads(json.dumps(data, allow_nan=False))


def test_the_schema_is_draft_2020_12_and_names_the_format(validator: Any) -> None:
    schema = validator.schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"] == {"const": jsonreport.SCHEMA}
    # The enums are the engine's own.
    assert set(schema["$defs"]["check"]["enum"]) == {c.value for c in Check}
    assert set(schema["$defs"]["status"]["enum"]) == {s.value for s in Status}


def test_the_class_summary_schema_is_draft_2020_12_and_names_the_format() -> None:
    """summary.json's schema; tests/test_shard.py validates real summaries (whole, shards, merged) against it."""
    from gradgate import classsummary

    schema = json.loads((ROOT / "schemas" / "gradgate.class-1.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"] == {"const": classsummary.SCHEMA}
    assert "shard" not in schema["required"]  # a run without --shard, and merge's result, have none


def test_the_course_implementations_validate(validator: Any, student_dir: Path, student_run: Any) -> None:
    data = json.loads(json.dumps(jsonreport.to_dict(student_run, f"gradgate check {student_dir} --seed 0"), allow_nan=False))
    assert data["results"] and not data["error"]
    assert _errors(validator, data) == []


def test_a_failing_folder_validates(validator: Any) -> None:
    data = _engine(GOLD / "student", examples=20, seed=3)
    statuses = {r["status"] for r in data["results"]}
    assert statuses == {"pass", "fail", "error"}
    assert any(r["counterexample"] and r["counterexample"]["element_error"] for r in data["results"])
    assert data["unchecked"]
    assert _errors(validator, data) == []


def test_hangs_exits_nans_and_exceptions_validate(validator: Any, tmp_path: Path) -> None:
    student = tmp_path / "hostile.py"
    student.write_text(textwrap.dedent(HOSTILE))
    data = _engine(student, examples=10, timeout=0.5)
    verdicts = {r["gate"]: r["status"] for r in data["results"]}
    assert verdicts == {"relu": "error", "affine": "error", "MultiplyGate": "fail", "sigmoid": "error"}
    assert _errors(validator, data) == []


def test_an_unloadable_target_validates(validator: Any, tmp_path: Path) -> None:
    data = _engine(tmp_path / "missing.py")
    assert data["error"] and data["results"] == []
    assert _errors(validator, data) == []


@pytest.mark.parametrize("fixture", sorted(p.name for p in GOLD.glob("*.json")))
def test_the_stored_fixtures_validate(validator: Any, fixture: str) -> None:
    assert _errors(validator, json.loads((GOLD / fixture).read_text())) == []


def _failing() -> dict[str, Any]:
    return json.loads((GOLD / "failing.json").read_text())


def _first_counterexample(data: dict[str, Any]) -> dict[str, Any]:
    return next(r["counterexample"] for r in data["results"] if r["counterexample"] and r["counterexample"]["analytic"])


@pytest.mark.parametrize(
    "break_it, where",
    [
        (lambda d: d.pop("summary"), ""),
        (lambda d: d.update(schema="gradgate.report/2"), "schema"),
        (lambda d: d.update(seed=-1), "seed"),
        (lambda d: d.update(surprise=1), ""),
        (lambda d: d["results"][0].update(status="passed"), "results/0/status"),
        (lambda d: d["results"][1]["checks"][0].update(check="forward"), "results/1/checks/0/check"),
        (lambda d: d["results"][1]["checks"][0].pop("max_rel_error"), "results/1/checks/0"),
        (lambda d: d["results"][1]["checks"][0].update(max_rel_error="NaN"), "results/1/checks/0/max_rel_error"),
        (lambda d: d["results"][1].pop("example_errors"), "results/1"),
        (lambda d: _first_counterexample(d).update(check="gradient"), "counterexample"),
        (lambda d: _first_counterexample(d)["analytic"].pop("shape"), "counterexample"),
        (lambda d: _first_counterexample(d)["analytic"].update(values=[["1.0"]]), "counterexample"),
        (lambda d: d["versions"].pop("torch"), "versions"),
        (lambda d: d["unchecked"][0].pop("reason"), "unchecked/0"),
    ],
)
def test_the_schema_rejects_broken_reports(validator: Any, break_it: Any, where: str) -> None:
    data = copy.deepcopy(_failing())
    assert _errors(validator, data) == []
    break_it(data)
    errors = _errors(validator, data)
    assert errors, "the schema accepted a broken report"
    assert any(where in e.split(":")[0] for e in errors), errors
