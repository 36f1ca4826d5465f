"""`gradgate grade`, `gradgate gradescope` and `gradgate merge` end to end on a small class written here:
a correct submission, a wrong backward, a syntax error, and a folder missing gates the assignment
expects. Grading runs in the sandbox (student code never enters the test process)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gradgate.cli import main
from gradgate.grade import Outcome
from gradgate.gradecli import Progress

EXAMPLES = "20"

CORRECT = '''
import numpy as np

def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)

def relu_forward(x):
    return np.maximum(0, x), x

def relu_backward(dout, cache):
    return dout * (cache > 0)

class MultiplyGate:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dz):
        return dz * self.y, dz * self.x
'''

# db not summed over the batch, and MultiplyGate's gradients swapped
WRONG = CORRECT.replace("dout.sum(axis=0)", "dout[0]").replace("dz * self.y, dz * self.x", "dz * self.x, dz * self.y")
SYNTAX_ERROR = "import numpy as np\ndef relu_forward(x)\n    return np.maximum(0, x), x\n"
# a folder: relu is right, affine has no backward, MultiplyGate is absent
PARTIAL = '''
import numpy as np

def relu_forward(x):
    return np.maximum(0, x), x

def relu_backward(dout, cache):
    return dout * (cache > 0)

def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
'''

ASSIGNMENT = '''
title = "Backprop by hand"
examples = 20
[gates.affine]
points = 4
[gates.relu]
points = 2
[gates.MultiplyGate]
points = 3
visibility = "after_published"
counterexamples = "hidden"
'''

NAMES = ["alice", "bob", "carol", "dave"]
GATES = ["affine", "relu", "MultiplyGate"]
EXPECTED_SCORES = {"alice": 9, "bob": 2, "carol": 0, "dave": 2}
EXPECTED_VERDICTS = {
    "alice": {"affine": "pass", "relu": "pass", "MultiplyGate": "pass"},
    "bob": {"affine": "fail", "relu": "pass", "MultiplyGate": "fail"},
    "carol": {"affine": "error", "relu": "error", "MultiplyGate": "error"},
    "dave": {"affine": "missing", "relu": "pass", "MultiplyGate": "missing"},
}


def _need_sandbox() -> None:
    pytest.importorskip("gradgate.checks.sandbox")


def _write_class(folder: Path, names: list[str] = NAMES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sources = {"alice": CORRECT, "bob": WRONG, "carol": SYNTAX_ERROR}
    for name in names:
        if name == "dave":
            (folder / "dave").mkdir()
            (folder / "dave" / "layers.py").write_text(textwrap.dedent(PARTIAL))
        else:
            (folder / f"{name}.py").write_text(textwrap.dedent(sources[name]))
    return folder


def _grade(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["grade", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what depends on the machine or the clock."""
    return {k: v for k, v in report.items() if k not in ("seconds", "versions", "target", "command", "submission", "results")} | {
        "submission": {k: v for k, v in report["submission"].items() if k != "path"},
        "results": [{k: v for k, v in r.items() if k != "seconds"} for r in report.get("results", [])],
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str, str]]:
    """The class graded once with the assignment: (class folder, out folder, stdout, stderr).
    Module-scoped, so its output is captured by hand (capsys is per test)."""
    _need_sandbox()
    root = tmp_path_factory.mktemp("course")
    klass = _write_class(root / "class")
    (root / "assignment.toml").write_text(ASSIGNMENT)
    out_buf, err_buf = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out_buf), contextlib.redirect_stderr(err_buf):
        code = main(["grade", str(klass), "--out", str(root / "out"), "--assignment", str(root / "assignment.toml")])
    assert code == 0, err_buf.getvalue()
    yield klass, root / "out", out_buf.getvalue(), err_buf.getvalue()


# --------------------------------------------------------------------------------------------
# per submission


def test_every_submission_gets_a_report_a_page_and_gradescope_results(graded: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = graded
    for name in NAMES:
        report = _json(out / name / "report.json")
        assert report["schema"] == "gradgate.report/1"
        assert report["submission"]["name"] == name
        assert (report["seed"], report["examples"]) == (0, 20)  # the seed default, the assignment's examples
        assert (report["error"] is None) == (name != "carol")
        page = (out / name / "index.html").read_text()
        assert page.startswith("<!DOCTYPE html>")
        assert (out / name / "results.json").exists()
    assert "SyntaxError" in _json(out / "carol" / "report.json")["error"]
    assert "carol.py cannot be imported" in _json(out / "carol" / "report.json")["error"]


def test_graded_reports_follow_the_report_schema(graded: tuple[Path, Path, str, str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = _json(Path(__file__).resolve().parent.parent / "schemas" / "gradgate.report-1.schema.json")
    for name in NAMES:
        jsonschema.validate(_json(graded[1] / name / "report.json"), schema)


def test_report_scores_each_gate_with_its_verdict_and_reason(graded: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = graded
    for name in NAMES:
        payload = _json(out / name / "report.json")["submission"]
        assert [c["gate"] for c in payload["gates"]] == GATES
        assert {c["gate"]: c["verdict"] for c in payload["gates"]} == EXPECTED_VERDICTS[name]
        assert (payload["score"], payload["max_score"]) == (EXPECTED_SCORES[name], 9)
    bob = {c["gate"]: c for c in _json(out / "bob" / "report.json")["submission"]["gates"]}
    assert bob["affine"]["check"] == "backward_vs_torch"
    assert "db differs from torch autograd" in bob["affine"]["reason"]
    assert bob["affine"]["worst_error"] > 0.1
    dave = {c["gate"]: c for c in _json(out / "dave" / "report.json")["submission"]["gates"]}
    assert dave["affine"]["score"] == 0
    assert "affine_forward in layers.py: no affine_backward next to it" in dave["affine"]["reason"]
    assert "no MultiplyGate found: expected a class MultiplyGate" in dave["MultiplyGate"]["reason"]
    carol = _json(out / "carol" / "report.json")["submission"]["gates"]
    assert all(c["reason"].startswith("the submission could not be loaded: carol.py cannot be imported") for c in carol)


def test_results_json_is_gradescopes_format(graded: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = graded
    for name in NAMES:
        results = _json(out / name / "results.json")
        assert results["score"] == EXPECTED_SCORES[name]
        assert [t["name"] for t in results["tests"]] == GATES
        for t in results["tests"]:
            assert set(t) == {"name", "score", "max_score", "status", "output", "output_format", "visibility"}
            assert t["output_format"] == "md" and t["output"].count("```") in (0, 2)
            assert t["status"] == ("passed" if EXPECTED_VERDICTS[name][t["name"]] == "pass" else "failed")
            assert t["visibility"] == ("after_published" if t["name"] == "MultiplyGate" else "visible")
        assert [t["max_score"] for t in results["tests"]] == [4, 2, 3]
        assert sum(t["score"] for t in results["tests"]) == results["score"]


def test_gradescope_output_hides_the_example_of_a_hidden_gate_only(graded: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = graded
    tests = {t["name"]: t for t in _json(out / "bob" / "results.json")["tests"]}
    assert "minimal example" in tests["affine"]["output"]
    assert "db yours" in tests["affine"]["output"]
    hidden = tests["MultiplyGate"]["output"]
    assert "FAIL  MultiplyGate" in hidden and "backward_vs_torch" in hidden
    assert "minimal example" not in hidden and "yours" not in hidden
    assert "not shown" in hidden
    # the seed would let a student regenerate the hidden example
    assert "seed" not in _json(out / "bob" / "results.json")["output"]
    missing = {t["name"]: t for t in _json(out / "dave" / "results.json")["tests"]}["affine"]["output"]
    assert missing.startswith("MISSING affine: 0/4 points") and "no affine_backward next to it" in missing
    assert "could not be loaded" in _json(out / "carol" / "results.json")["output"]


# --------------------------------------------------------------------------------------------
# the class


def test_grades_csv_has_a_row_per_submission_a_column_per_gate_and_totals(graded: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = graded
    header = (out / "grades.csv").read_text().splitlines()[0]
    assert header == "submission,total,max_score,affine,relu,MultiplyGate"  # a gradebook import's order
    assert _rows(out) == [
        {"submission": "alice", "affine": "4", "relu": "2", "MultiplyGate": "3", "total": "9", "max_score": "9"},
        {"submission": "bob", "affine": "0", "relu": "2", "MultiplyGate": "0", "total": "2", "max_score": "9"},
        {"submission": "carol", "affine": "0", "relu": "0", "MultiplyGate": "0", "total": "0", "max_score": "9"},
        {"submission": "dave", "affine": "0", "relu": "2", "MultiplyGate": "0", "total": "2", "max_score": "9"},
    ]


def test_summary_json_holds_the_matrix_and_the_class_numbers(graded: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = graded
    summary = _json(out / "summary.json")
    assert summary["schema"] == "gradgate.class/1"
    assert (summary["seed"], summary["examples"], summary["gates"]) == (0, 20, GATES)
    assert summary["assignment"]["title"] == "Backprop by hand"
    assert [r["name"] for r in summary["submissions"]] == NAMES
    for row in summary["submissions"]:
        assert {g: c["verdict"] for g, c in row["gates"].items()} == EXPECTED_VERDICTS[row["name"]]
        assert row["score"] == EXPECTED_SCORES[row["name"]]
        assert (out / row["report"]).exists() and (out / row["page"]).exists()
    assert summary["gate_counts"]["relu"] == {"pass": 3, "fail": 0, "error": 1, "missing": 0}
    assert summary["gate_counts"]["affine"] == {"pass": 1, "fail": 1, "error": 1, "missing": 1}
    assert summary["unloadable"] == ["carol"]
    assert summary["scores"] == {"mean": 3.25, "median": 2, "min": 0, "max": 9}


def test_summary_html_is_a_self_contained_matrix_linking_each_report(graded: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = graded
    page = (out / "summary.html").read_text()
    assert "Content-Security-Policy" in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    for name in NAMES:
        assert f'href="{name}/index.html"' in page
    assert page.count('data-verdict="pass"') == 5
    assert page.count('data-verdict="missing"') == 2


def test_the_screen_summary_and_progress_lines(graded: tuple[Path, Path, str, str]) -> None:
    _, _, stdout, stderr = graded
    assert "seed 0 · 20 examples per implementation" in stdout
    assert "graded 4 submissions" in stdout
    assert "could not be loaded (1): carol" in stdout
    assert "scores of 9: mean 3.25, median 2, min 0, max 9" in stdout
    assert len(stdout.splitlines()) < 25
    # not a terminal: a line per graded submission instead of a bar
    assert "[4/4]" in stderr and "\r" not in stderr


def test_progress_draws_a_bar_on_a_terminal() -> None:
    """Submissions done, whose code is running, and who lost points so far (issue 15)."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = Progress(2, stream)
    progress.started("alice")
    progress(Outcome("alice", 9, 9, None, None, 1.0))
    progress.started("bob")
    progress(Outcome("bob", 1, 9, None, None, 1.0))
    progress.close()
    text = stream.getvalue()
    assert "\x1b[" in text and "2/2" in text and "left" in text
    assert "lost points: bob 1/9" in text and "alice 9/9" not in text
    assert "[2/2]" not in text  # the bar, not the log lines


def test_a_regrade_with_the_same_seed_repeats_exactly(graded: tuple[Path, Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    klass, out, _, _ = graded
    again = tmp_path / "again"
    code, _, _ = _grade(capsys, str(klass), "--out", str(again), "--assignment", str(klass.parent / "assignment.toml"))
    assert code == 0
    assert _json(again / "summary.json") == _json(out / "summary.json")
    assert (again / "grades.csv").read_text() == (out / "grades.csv").read_text()
    for name in NAMES:
        assert _stable(_json(again / name / "report.json")) == _stable(_json(out / name / "report.json"))


def test_two_jobs_grade_the_same_as_one(graded: tuple[Path, Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    klass, out, _, _ = graded
    parallel = tmp_path / "parallel"
    code, stdout, _ = _grade(capsys, str(klass), "--out", str(parallel), "--jobs", "2",
                             "--assignment", str(klass.parent / "assignment.toml"))
    assert code == 0 and "2 jobs" in stdout
    assert _json(parallel / "summary.json") == _json(out / "summary.json")
    assert (parallel / "grades.csv").read_text() == (out / "grades.csv").read_text()
    for name in NAMES:
        assert _stable(_json(parallel / name / "report.json")) == _stable(_json(out / name / "report.json"))


def test_merging_two_separately_graded_halves_equals_grading_all_at_once(
    graded: tuple[Path, Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    klass, out, _, _ = graded
    assignment = str(klass.parent / "assignment.toml")
    halves = []
    for i, names in enumerate((["alice", "carol"], ["bob", "dave"])):
        folder = _write_class(tmp_path / f"machine{i}" / "class", names)
        code, _, _ = _grade(capsys, str(folder), "--out", str(tmp_path / f"machine{i}" / "out"), "--assignment", assignment)
        assert code == 0
        halves.append(str(tmp_path / f"machine{i}" / "out"))
    merged = tmp_path / "merged"
    assert main(["merge", *halves, "--out", str(merged)]) == 0
    assert "merged 4 submissions from 2 folders" in capsys.readouterr().out
    assert _json(merged / "summary.json") == _json(out / "summary.json")
    assert (merged / "grades.csv").read_text() == (out / "grades.csv").read_text()
    for name in NAMES:  # the reports came along, so the summary's links work
        assert (merged / name / "index.html").exists() and (merged / name / "results.json").exists()


def test_merge_refuses_reports_graded_differently(graded: tuple[Path, Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    klass, out, _, _ = graded
    other = tmp_path / "late"
    other.mkdir()
    shutil.copy(klass / "alice.py", other / "erin.py")
    code, _, _ = _grade(capsys, str(other), "--out", str(tmp_path / "late_out"), "--seed", "7",
                        "--assignment", str(klass.parent / "assignment.toml"))
    assert code == 0
    assert main(["merge", str(out), str(tmp_path / "late_out"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "different seeds (0 and 7)" in err and "Traceback" not in err
    assert not (tmp_path / "m" / "summary.json").exists()
    assert main(["merge", str(out), str(out), "--out", str(tmp_path / "m")]) == 2
    assert "was graded twice" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m")]) == 2
    assert "is not a folder" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# without an assignment, options, gradescope


def test_without_an_assignment_every_gate_found_in_the_class_is_worth_one_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """dave wrote no MultiplyGate and no affine_backward: bob's affine and MultiplyGate cost him a point each."""
    _need_sandbox()
    klass = _write_class(tmp_path / "class", ["bob", "dave"])
    code, stdout, _ = _grade(capsys, str(klass), "--out", str(tmp_path / "out"), "--examples", EXAMPLES, "--seed", "5")
    assert code == 0 and "seed 5" in stdout
    assert _rows(tmp_path / "out") == [
        {"submission": "bob", "affine": "0", "relu": "1", "MultiplyGate": "0", "total": "1", "max_score": "3"},
        {"submission": "dave", "affine": "0", "relu": "1", "MultiplyGate": "0", "total": "1", "max_score": "3"},
    ]
    results = _json(tmp_path / "out" / "bob" / "results.json")
    assert all(t["visibility"] == "visible" for t in results["tests"])
    assert "seed 5" in results["output"] and "gradgate check" in results["output"]


def test_forbidden_imports_reach_the_sandbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _need_sandbox()
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "mallory.py").write_text(textwrap.dedent(CORRECT).replace(
        "def relu_backward(dout, cache):\n", "def relu_backward(dout, cache):\n    import torch\n"))
    assignment = tmp_path / "a.toml"
    assignment.write_text('forbid_imports = ["torch"]\n[gates.relu]\npoints = 1\n')
    code, stdout, _ = _grade(capsys, str(klass), "--out", str(tmp_path / "out"), "--examples", "5",
                             "--assignment", str(assignment), "--forbid-import", "pickle")
    assert code == 0 and "no torch, pickle" in stdout
    (cell,) = _json(tmp_path / "out" / "mallory" / "report.json")["submission"]["gates"]
    assert cell["verdict"] == "error" and "not allowed" in cell["reason"]


def test_a_submission_cannot_write_into_the_output_other_submissions_or_the_class_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """mallory (graded after alice) tries to overwrite, delete and plant files in --out, in alice's
    submission and in the class folder, swallowing the errors; then writes one without catching it."""
    _need_sandbox()
    klass, out = tmp_path / "class", tmp_path / "out"
    klass.mkdir()
    (klass / "alice.py").write_text(textwrap.dedent(CORRECT))
    targets = [out / "alice" / "report.json", out / "alice" / "results.json", out / "planted.txt",
               klass / "alice.py", klass / "planted.txt", klass / "mallory.py"]  # fmt: skip
    attack = f"""
import os

def _attack():
    for path in {[str(t) for t in targets]!r}:
        for attempt in (lambda: open(path, "w").write("forged"), lambda: os.remove(path),
                        lambda: os.rename(path, path + ".gone"), lambda: os.makedirs(path + ".d")):
            try:
                attempt()
            except Exception:
                pass
"""
    mallory = attack + textwrap.dedent(CORRECT).replace(
        "def affine_forward(x, w, b):\n", "def affine_forward(x, w, b):\n    _attack()\n"
    ).replace("def relu_backward(dout, cache):\n", f"def relu_backward(dout, cache):\n    open({str(out / 'alice' / 'index.html')!r}, 'w')\n")
    (klass / "mallory.py").write_text(mallory)
    before = {p: p.read_bytes() for p in klass.iterdir()}
    code, _, _ = _grade(capsys, str(klass), "--out", str(out), "--examples", "5")
    assert code == 0
    assert {p: p.read_bytes() for p in klass.iterdir()} == before  # nothing changed, planted or removed
    assert not list(out.rglob("planted.txt")) and not list(tmp_path.rglob("*.gone")) and not list(tmp_path.rglob("*.d"))
    alice = _json(out / "alice" / "report.json")
    assert alice["submission"]["score"] == alice["submission"]["max_score"] > 0
    assert _json(out / "alice" / "results.json")["score"] == alice["submission"]["score"]
    assert "forged" not in (out / "alice" / "index.html").read_text()[:100]
    cells = {c["gate"]: c for c in _json(out / "mallory" / "report.json")["submission"]["gates"]}
    assert cells["relu"]["verdict"] == "error" and "not allowed" in cells["relu"]["reason"]
    assert cells["MultiplyGate"]["verdict"] == "pass"


def test_tolerances_of_the_assignment_decide_the_verdict_and_are_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A relu whose gradient is off by a relative 1.5e-6 fails the default backward_vs_torch (1e-6)
    and passes where the assignment allows 1e-5 for relu; the other gates keep the default table."""
    _need_sandbox()
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "alice.py").write_text(textwrap.dedent(CORRECT).replace("dout * (cache > 0)", "dout * (cache > 0) * (1 + 3e-6)"))
    assert "(1 + 3e-6)" in (klass / "alice.py").read_text()
    verdicts = {}
    for name, rules in {"default": "", "relaxed": "tolerances = { backward_vs_torch = 1e-5 }\n"}.items():
        assignment = tmp_path / f"{name}.toml"
        assignment.write_text("[gates.relu]\npoints = 1\n" + rules)
        code, _, _ = _grade(capsys, str(klass), "--out", str(tmp_path / name), "--examples", "20", "--assignment", str(assignment))
        assert code == 0
        report = _json(tmp_path / name / "alice" / "report.json")
        (relu,) = [r for r in report["results"] if r["gate"] == "relu"]
        verdicts[name] = (relu["status"], relu["tolerances"])
    assert verdicts == {"default": ("fail", {}), "relaxed": ("pass", {"backward_vs_torch": 1e-5})}
    assert _json(tmp_path / "relaxed" / "summary.json")["assignment"]["gates"][0]["tolerances"] == {"backward_vs_torch": 1e-5}


def test_gradescope_reads_the_submission_and_writes_results_where_told(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _need_sandbox()
    submission = tmp_path / "autograder" / "submission"
    submission.mkdir(parents=True)
    (submission / "layers.py").write_text(textwrap.dedent(WRONG))
    (submission / "notes.pdf").write_bytes(b"%PDF-1.4")
    assignment = tmp_path / "assignment.toml"
    assignment.write_text(ASSIGNMENT)
    results_path = tmp_path / "autograder" / "results" / "results.json"
    code = main(["gradescope", "--submission", str(submission), "--results", str(results_path), "--assignment", str(assignment)])
    stdout = capsys.readouterr().out
    assert code == 0
    results = _json(results_path)
    assert results["score"] == 2
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in results["tests"]] == [
        ("affine", 0, 4, "failed"), ("relu", 2, 2, "passed"), ("MultiplyGate", 0, 3, "failed")]
    assert "2/9 points; results written to" in stdout


def test_gradescope_without_a_submission_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradescope", "--submission", str(tmp_path / "none"), "--results", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "--submission" in err
    assert not (tmp_path / "r.json").exists()


# --------------------------------------------------------------------------------------------
# unusable arguments and assignment files: a message, exit 2, nothing graded


BAD_ASSIGNMENTS = {
    "not TOML": ("[gates.affine\npoints = 1\n", "is not valid TOML"),
    "unknown gate": ("[gates.afine]\npoints = 1\n", "no gate 'afine' in the registry (did you mean 'affine'?)"),
    "no points": ("[gates.affine]\nvisibility = 'hidden'\n", "[gates.affine] has no points"),
    "negative points": ("[gates.affine]\npoints = -1\n", "points should be 0 or more"),
    "points not a number": ("[gates.affine]\npoints = 'four'\n", "points should be a number"),
    "misspelt key": ("[gates.affine]\npionts = 1\n", "unknown key 'pionts' (did you mean 'points'?)"),
    "bad visibility": ("[gates.affine]\npoints = 1\nvisibility = 'secret'\n", "visibility should be one of 'visible', 'hidden'"),
    "bad counterexamples": ("counterexamples = 'maybe'\n", "counterexamples should be one of 'shown', 'hidden'"),
    "unknown tolerance": ("[gates.affine]\npoints = 1\ntolerances = { backward = 1e-5 }\n", "unknown key 'backward'"),
    "tolerance not positive": ("[gates.affine]\npoints = 1\ntolerances = { backward_vs_fd = 0 }\n", "should be more than 0"),
    "bad examples": ("examples = 0\n", "examples should be a whole number of at least 1"),
    "bad seed": ("seed = -3\n", "seed should be a whole number"),
    "bad forbid_imports": ("forbid_imports = ['numpy.linalg']\n", "forbid_imports should be a list of top-level module names"),
    "unknown top-level key": ("seeds = 3\n", "unknown key 'seeds' (did you mean 'seed'?)"),
    "unknown configuration": (
        "[gates.FullyConnectedNet]\npoints = 1\nconfigurations = ['dropuot']\n",
        "configurations should be a list of some of 'plain', 'dropout', 'batchnorm', 'layernorm'",
    ),
    "configurations of a gate without": ("[gates.affine]\npoints = 1\nconfigurations = ['plain']\n", "affine has no configurations"),
}


@pytest.mark.parametrize("case", sorted(BAD_ASSIGNMENTS))
def test_a_bad_assignment_file_is_refused_up_front(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, message = BAD_ASSIGNMENTS[case]
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "alice.py").write_text(CORRECT)
    (tmp_path / "a.toml").write_text(text)
    code, _, err = _grade(capsys, str(klass), "--out", str(tmp_path / "out"), "--assignment", str(tmp_path / "a.toml"))
    assert code == 2
    assert message in err, err
    assert "a.toml" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_unusable_arguments_exit_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "notes.txt").write_text("no code")
    cases = [
        ([str(tmp_path / "absent"), "--out", str(tmp_path / "o")], "does not exist"),
        ([str(klass), "--out", str(tmp_path / "o")], "holds no submissions"),
        ([str(klass / "notes.txt"), "--out", str(tmp_path / "o")], "is not a folder"),
        ([str(klass), "--out", str(klass)], "must not be the submissions folder"),
        ([str(klass), "--out", str(tmp_path / "o"), "--assignment", str(tmp_path / "none.toml")], "none.toml does not exist"),
    ]
    for args, message in cases:
        code, _, err = _grade(capsys, *args)
        assert code == 2, args
        assert message in err and "Traceback" not in err
    (klass / "alice.py").write_text(CORRECT)
    (klass / "alice").mkdir()
    (klass / "alice" / "layers.py").write_text(CORRECT)
    code, _, err = _grade(capsys, str(klass), "--out", str(tmp_path / "o"))
    assert code == 2 and "two submissions are named 'alice'" in err
    (tmp_path / "file").write_text("")
    code, _, err = _grade(capsys, str(klass), "--out", str(tmp_path / "file"))
    assert code == 2 and "is a file" in err
    for bad in (["--jobs", "0"], ["--forbid-import", "numpy.linalg"], ["--memory-mb", "-1"], ["--seed", "x"]):
        with pytest.raises(SystemExit) as exit_:
            main(["grade", str(klass), "--out", str(tmp_path / "o"), *bad])
        assert exit_.value.code == 2
    capsys.readouterr()


def test_student_names_are_escaped_in_the_summary_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _need_sandbox()
    klass = tmp_path / "class"
    hostile = "<img src=x onerror=alert(1)>"
    (klass / hostile).mkdir(parents=True)
    (klass / hostile / "layers.py").write_text(textwrap.dedent(CORRECT).replace(
        "return dout * (cache > 0)", "raise ValueError('<script>alert(2)</script>')"))
    code, _, _ = _grade(capsys, str(klass), "--out", str(tmp_path / "out"), "--examples", "5")
    assert code == 0
    page = (tmp_path / "out" / "summary.html").read_text()
    assert "<img src=x" not in page and "<script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


# --------------------------------------------------------------------------------------------
# in the browser


CHROMIUM = Path("/usr/bin/chromium")


def test_summary_page_in_a_browser_links_to_each_report(graded: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = graded
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Python playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto((out / "summary.html").as_uri())
            rows = page.locator("#matrix tbody tr")
            assert rows.count() == 4
            cell = page.locator('tr[data-name="bob"] td[data-gate="affine"]')
            assert cell.inner_text().startswith("fail 0/4")
            assert "db differs" in (cell.get_attribute("title") or "")
            assert page.locator('tr[data-name="dave"] td.total').inner_text() == "2"
            page.locator('tr[data-name="bob"] th a').click()
            page.wait_for_load_state()
            assert page.url.endswith("/bob/index.html")
            assert "gradgate report" in page.inner_text("h1")
            assert errors == []
        finally:
            browser.close()


def test_the_documented_assignment_file_is_valid() -> None:
    import tomllib

    from gradgate.assignment import parse

    doc = Path(__file__).resolve().parent.parent / "docs" / "grading.md"
    block = doc.read_text().split("```toml\n", 1)[1].split("```", 1)[0]
    assignment = parse(tomllib.loads(block), doc)
    assert [r.gate for r in assignment.gates] == ["affine", "relu", "conv", "softmax_loss"]
    assert assignment.rule("conv").counterexamples == "hidden"
    assert assignment.rule("affine").visibility == "visible"


def test_a_grader_failure_costs_that_submission_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import gradgate.grade

    _need_sandbox()
    klass = _write_class(tmp_path / "class", ["alice", "bob"])
    real_run = gradgate.grade.run

    def run(target: Path, **kwargs: Any) -> Any:
        if Path(target).stem == "bob":
            raise RuntimeError("disk on fire")
        return real_run(target, **kwargs)

    monkeypatch.setattr(gradgate.grade, "run", run)
    code, _, err = _grade(capsys, str(klass), "--out", str(tmp_path / "out"), "--examples", "5")
    assert code == 1
    assert "bob: the grader failed on this submission: RuntimeError: disk on fire" in err
    assert _json(tmp_path / "out" / "alice" / "report.json")["error"] is None
    bob = _rows(tmp_path / "out")[1]
    assert (bob["submission"], bob["affine"], bob["total"], bob["max_score"]) == ("bob", "0", "0", "3")
    assert "disk on fire" in _json(tmp_path / "out" / "bob" / "report.json")["submission"]["gates"][0]["reason"]


def test_an_assignment_grades_the_configurations_it_names(tmp_path: Path) -> None:
    """A model half-way through the assignment (dropout and normalization not implemented yet):
    graded on [plain] alone it earns its points; on every configuration it does not."""
    from gradgate import jsonreport
    from gradgate.assignment import parse
    from gradgate.checks.engine import run
    from gradgate.grade import score

    mutant = Path(__file__).resolve().parent / "mutants" / "FullyConnectedNet__options_not_implemented.py"
    data = jsonreport.to_dict(run(mutant, examples=10, seed=0))
    plain = parse({"gates": {"FullyConnectedNet": {"points": 3, "configurations": ["plain"]}}}, tmp_path / "a.toml")
    every = parse({"gates": {"FullyConnectedNet": {"points": 3}}}, tmp_path / "a.toml")
    (graded,) = score(data, plain)["gates"]
    assert (graded["verdict"], graded["score"], graded["implementations"]) == ("pass", 3, ["FullyConnectedNet[plain]"])
    (graded,) = score(data, every)["gates"]
    assert (graded["verdict"], graded["score"]) == ("error", 0)
    assert graded["reason"].startswith("FullyConnectedNet[dropout]: not implemented: dropout_keep_ratio=0.5 changes nothing")
    assert plain.digest != every.digest
