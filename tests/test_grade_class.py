"""A class graded as a new user would (issue 15): no assignment file, the class folder below the
working directory, five submissions of which one is right, one wrong, one a syntax error, one loops
and one exits while loading. Every submission gets every test of the class, and no file written
holds a path of this machine or of the working directory."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shlex
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gradgate.cli import main

from .test_grade import CORRECT, SYNTAX_ERROR, WRONG

LOOPS = CORRECT.replace("def relu_backward(dout, cache):\n", "def relu_backward(dout, cache):\n    while True:\n        pass\n")
EXITS = "import os\nos._exit(3)\n"
NAMES = ["alice", "bob", "dave", "erin", "frank"]
GATES = ["MultiplyGate", "affine", "relu"]  # the class's, in registry order
SCORES = {"alice": 3, "bob": 1, "dave": 0, "erin": 2, "frank": 0}


@contextlib.contextmanager
def _cwd(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    """(the working directory, the out folder, stdout) of `gradgate grade class/subs --out out` run
    there, with alice a folder and the others one file each."""
    pytest.importorskip("gradgate.checks.sandbox")
    root = tmp_path_factory.mktemp("course")
    subs = root / "class" / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice" / "layers.py").write_text(textwrap.dedent(CORRECT))
    for name, source in {"bob": WRONG, "dave": SYNTAX_ERROR, "erin": LOOPS, "frank": EXITS}.items():
        (subs / f"{name}.py").write_text(textwrap.dedent(source))
    buf = io.StringIO()
    with _cwd(root), contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        code = main(["grade", "class/subs", "--out", "out", "--examples", "5", "--timeout", "3"])
    assert code == 0
    yield root, root / "out", buf.getvalue()


def test_every_submission_is_graded_on_every_gate_of_the_class(klass: tuple[Path, Path, str]) -> None:
    _, out, stdout = klass
    for name in NAMES:
        payload = _json(out / name / "report.json")["submission"]
        assert [c["gate"] for c in payload["gates"]] == GATES
        assert (payload["score"], payload["max_score"]) == (SCORES[name], 3)
    for name, why in {"dave": "dave.py cannot be imported: SyntaxError", "frank": "exited with code 3"}.items():
        cells = _json(out / name / "report.json")["submission"]["gates"]
        assert {c["verdict"] for c in cells} == {"error"}
        assert all(c["reason"].startswith("the submission could not be loaded: ") and why in c["reason"] for c in cells)
    erin = {c["gate"]: c for c in _json(out / "erin" / "report.json")["submission"]["gates"]}
    assert erin["relu"]["verdict"] == "error" and "timed out" in erin["relu"]["reason"]
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
    assert rows[2] == {"submission": "dave", "MultiplyGate": "0", "affine": "0", "relu": "0", "total": "0", "max_score": "3"}
    summary = _json(out / "summary.json")
    assert summary["gate_counts"]["relu"] == {"pass": 2, "fail": 0, "error": 3, "missing": 0}
    assert summary["unloadable"] == ["dave", "frank"]
    assert "scores of 3:" in stdout


def test_gradescope_results_of_an_unloadable_submission_have_every_test_and_say_why_once(klass: tuple[Path, Path, str]) -> None:
    _, out, _ = klass
    results = _json(out / "dave" / "results.json")
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in results["tests"]] == [
        (g, 0, 1, "failed") for g in GATES]
    for t in results["tests"]:
        assert t["output"].startswith(f"ERROR {t['name']}: 0/1 points")
        assert t["output"].count("SyntaxError") == 1 and t["output"].count("could not be") == 1


def test_a_folder_none_of_whose_modules_imports_could_not_be_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Gradescope's submission is always a folder: a syntax error in its one file is an error of
    every gate the assignment expects, not a missing gate, and the reason is said once."""
    pytest.importorskip("gradgate.checks.sandbox")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "layers.py").write_text(SYNTAX_ERROR)
    (tmp_path / "a.toml").write_text("[gates.affine]\npoints = 4\n[gates.relu]\npoints = 2\n")
    code = main(["gradescope", "--submission", str(submission), "--results", str(tmp_path / "r.json"),
                 "--assignment", str(tmp_path / "a.toml"), "--examples", "5"])
    capsys.readouterr()
    assert code == 0
    results = _json(tmp_path / "r.json")
    assert [(t["name"], t["score"], t["status"]) for t in results["tests"]] == [("affine", 0, "failed"), ("relu", 0, "failed")]
    for t in results["tests"]:
        assert t["output"].startswith(f"ERROR {t['name']}: 0/")
        assert t["output"].count("layers.py") == 2  # "layers.py cannot be imported: ... (layers.py, line 2)"
        assert "MISSING" not in t["output"]
    assert "could not be loaded:\n\n```\nlayers.py cannot be imported: SyntaxError" in results["output"]


# --------------------------------------------------------------------------------------------
# paths


def test_nothing_written_holds_a_path_of_this_machine_or_the_working_directory(klass: tuple[Path, Path, str]) -> None:
    root, out, _ = klass
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in written} >= {"summary.json", "summary.html", "grades.csv", "report.json", "index.html", "results.json"}
    for path in written:
        text = path.read_text()
        for machine in (str(root), str(root.resolve()), "class/subs", "/tmp/"):
            assert machine not in text, f"{path.relative_to(out)} holds {machine}"


def test_paths_are_relative_to_the_class_folder_or_the_submission(klass: tuple[Path, Path, str]) -> None:
    _, out, _ = klass
    rows = {r["name"]: r for r in _json(out / "summary.json")["submissions"]}
    assert rows["alice"]["path"] == "alice" and rows["dave"]["path"] == "dave.py"
    assert rows["dave"]["error"].startswith("dave.py cannot be imported")
    alice, bob = _json(out / "alice" / "report.json"), _json(out / "bob" / "report.json")
    assert (alice["target"], alice["submission"]["path"]) == (".", "alice")
    assert {r["source"] for r in alice["results"]} == {"layers.py"}
    assert (bob["target"], bob["submission"]["path"]) == ("bob.py", "bob.py")
    assert {r["source"] for r in bob["results"]} == {"bob.py"}
    assert "sys.path.insert(0, '.')" in (out / "bob" / "index.html").read_text().replace("&#39;", "'")


@pytest.mark.parametrize(("name", "home", "verdict"), [("alice", "alice", 0), ("bob", ".", 1)])
def test_the_rerun_command_works_in_the_submissions_folder(
    klass: tuple[Path, Path, str], name: str, home: str, verdict: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """alice's folder holds her files: `gradgate check .` there; bob's file is in the class folder."""
    root, out, _ = klass
    shown = _json(out / name / "results.json")["output"].split("run in your submission's folder:\n\n```\n", 1)[1]
    command = shown.split("\n```", 1)[0]
    assert command == _json(out / name / "report.json")["command"]
    argv = shlex.split(command)
    assert argv[0] == "gradgate"
    with _cwd(root / "class" / "subs" / home):
        code = main(argv[1:])
    stdout = capsys.readouterr().out
    assert code == verdict  # alice passes, bob's wrong backward fails: the same examples, checked again
    assert ("FAIL  affine" in stdout) == (name == "bob")


# --------------------------------------------------------------------------------------------
# an assignment file from a reference solution


def test_assignment_init_writes_a_point_per_gate_the_reference_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import tomllib

    from gradgate.assignment import parse

    pytest.importorskip("gradgate.checks.sandbox")
    reference = tmp_path / "solution"
    reference.mkdir()
    (reference / "layers.py").write_text(textwrap.dedent(CORRECT))
    # a reference with a wrong sigmoid_backward: left out, and said so, never the standard
    (reference / "more.py").write_text("import numpy as np\ndef sigmoid_forward(x):\n    s = 1 / (1 + np.exp(-x))\n"
                                       "    return s, s\ndef sigmoid_backward(dout, cache):\n    return dout * cache\n")
    assert main(["assignment", "init", str(reference), "--examples", "10"]) == 0
    stdout, stderr = capsys.readouterr()
    assignment = parse(tomllib.loads(stdout), tmp_path / "assignment.toml")
    assert [(r.gate, r.points, r.configurations) for r in assignment.gates] == [(g, 1, ()) for g in GATES]
    assert "#   sigmoid: sigmoid_forward: fail: backward_vs_torch" in stdout
    assert "left out sigmoid" in stderr
    assert main(["assignment", "init", str(tmp_path / "absent")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "broken.py").write_text(SYNTAX_ERROR)
    assert main(["assignment", "init", str(tmp_path / "broken.py")]) == 2
    assert "the reference could not be loaded: broken.py cannot be imported" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# what the student sees: points on their page, Markdown on Gradescope


CHROMIUM = Path("/usr/bin/chromium")


def test_the_students_page_shows_their_points_per_gate(klass: tuple[Path, Path, str]) -> None:
    _, out, _ = klass
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
            for name in NAMES:
                page.goto((out / name / "index.html").as_uri())
                assert page.inner_text("#grade h2") == f"Grade: {SCORES[name]} of 3 points"
                assert page.locator("#grade-table tbody tr").count() == 3
                assert name in page.inner_text("h1")
            page.goto((out / "erin" / "index.html").as_uri())
            relu = page.locator('#grade-table tr[data-gate="relu"]')
            assert relu.locator("td").nth(1).inner_text() == "error"
            assert relu.locator("td.points").inner_text() == "0/1"
            assert "timed out" in relu.locator("td.reason").inner_text()
            assert page.locator('#grade-table tr[data-gate="affine"] td.points').inner_text() == "1/1"
            assert errors == []
        finally:
            browser.close()


def test_a_report_of_gradgate_check_has_no_grade_section(klass: tuple[Path, Path, str]) -> None:
    from gradgate import report

    _, out, _ = klass
    data = _json(out / "bob" / "report.json")
    assert 'id="grade"' in report.render(data)
    del data["submission"]
    assert 'id="grade"' not in report.render(data)


def test_gradescope_output_is_markdown_a_student_cannot_break_out_of(klass: tuple[Path, Path, str]) -> None:
    from gradgate import gradescope
    from gradgate.assignment import Assignment

    _, out, _ = klass
    data = _json(out / "dave" / "report.json")
    data["error"] = "dave.py cannot be imported: ````\n# <b>forged</b>"  # what a student's message might hold
    for cell in data["submission"]["gates"]:
        cell["reason"] = f"the submission could not be loaded: {data['error']}"
    results = gradescope.results(data, Assignment())
    assert (results["output_format"], results["test_output_format"]) == ("md", "md")
    for text in [results["output"], *(t["output"] for t in results["tests"])]:
        fences = [line for line in text.splitlines() if line.startswith("````")]
        assert fences == ["`````", "`````"], text  # one block, its fence longer than the student's ````
        assert "<b>forged</b>" in text.split("`````")[1]


def test_gradescope_visibility_is_the_assignment_files(klass: tuple[Path, Path, str], tmp_path: Path) -> None:
    from gradgate import gradescope
    from gradgate.assignment import parse

    _, out, _ = klass
    assignment = parse({"visibility": "after_due_date", "gates": {
        "affine": {"points": 1}, "relu": {"points": 1, "visibility": "hidden"}, "MultiplyGate": {"points": 1}}},
        tmp_path / "a.toml")  # fmt: skip
    results = gradescope.results(_json(out / "bob" / "report.json"), assignment)
    assert results["visibility"] == "after_due_date"
    assert {t["name"]: t["visibility"] for t in results["tests"]} == {
        "MultiplyGate": "after_due_date", "affine": "after_due_date", "relu": "hidden"}


def test_fail_fast_stops_at_the_first_submission_that_cannot_be_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Off by default (the class above was graded whole); on, dave's syntax error stops the run."""
    pytest.importorskip("gradgate.checks.sandbox")
    subs = tmp_path / "class"
    subs.mkdir()
    for name, source in {"alice": CORRECT, "dave": SYNTAX_ERROR, "erin": CORRECT}.items():
        (subs / f"{name}.py").write_text(textwrap.dedent(source))
    code = main(["grade", str(subs), "--out", str(tmp_path / "out"), "--examples", "5", "--fail-fast"])
    err = capsys.readouterr().err
    assert code == 1
    assert "stopped (--fail-fast) at dave: could not be loaded: dave.py cannot be imported" in err
    assert "1 submission not graded" in err
    assert [r["name"] for r in _json(tmp_path / "out" / "summary.json")["submissions"]] == ["alice", "dave"]
    assert not (tmp_path / "out" / "erin").exists()


# --------------------------------------------------------------------------------------------
# the class summary for teachers


def test_summary_says_per_gate_the_share_that_passed_and_the_most_common_failure(klass: tuple[Path, Path, str]) -> None:
    _, out, _ = klass
    stats = _json(out / "summary.json")["gate_stats"]
    assert {g: (s["passed"], s["graded"], s["share"]) for g, s in stats.items()} == {
        "MultiplyGate": (2, 5, 0.4), "affine": (2, 5, 0.4), "relu": (2, 5, 0.4)}
    affine = stats["affine"]["common_failure"]
    assert (affine["verdict"], affine["check"], affine["count"], affine["submissions"]) == ("fail", "backward_vs_torch", 1, ["bob"])
    assert "db differs from torch autograd" in affine["reason"]
    assert "N > 1" in affine["diagnosis"]  # bob's db = dout[0]: right only for one example
    relu = stats["relu"]["common_failure"]
    assert (relu["verdict"], relu["submissions"]) == ("error", ["erin"])  # dave and frank are listed as unloadable
    assert "timed out" in relu["reason"]


def test_grades_csv_puts_the_identifier_and_the_grade_first(klass: tuple[Path, Path, str]) -> None:
    _, out, _ = klass
    lines = (out / "grades.csv").read_text().splitlines()
    assert lines[0] == "submission,total,max_score,MultiplyGate,affine,relu"
    assert lines[1:] == ["alice,3,3,1,1,1", "bob,1,3,0,0,1", "dave,0,3,0,0,0", "erin,2,3,1,1,0", "frank,0,3,0,0,0"]


def test_score_histogram_bins() -> None:
    from gradgate.scorehistogram import MAX_BINS, histogram

    assert histogram([]) is None
    assert histogram([{"score": 0, "max_score": 0}]) is None
    whole = histogram([{"score": s, "max_score": 4} for s in (0, 1.5, 2, 4, 4)])
    assert whole is not None and whole.unit == "points"
    assert [(b.label, b.count) for b in whole.bars] == [("0", 1), ("1", 1), ("2", 1), ("3", 0), ("4", 2)]
    assert max(b.height for b in whole.bars) == whole.bars[-1].height > whole.bars[0].height > whole.bars[3].height == 0
    wide = histogram([{"score": s, "max_score": 100} for s in (0, 4.9, 5, 100)])
    assert wide is not None and len(wide.bars) == MAX_BINS
    assert [b.count for b in wide.bars][:2] == [2, 1] and wide.bars[-1].count == 1
    mixed = histogram([{"score": 1, "max_score": 2}, {"score": 3, "max_score": 3}])
    assert mixed is not None and mixed.unit == "% of the maximum" and mixed.bars[10].count == 1 and mixed.bars[-1].count == 1


def test_summary_page_draws_the_score_histogram_and_the_gate_table_in_a_browser(klass: tuple[Path, Path, str]) -> None:
    _, out, _ = klass
    page_text = (out / "summary.html").read_text()
    assert "<script" not in page_text and "<img" not in page_text
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
            bins = page.locator("#scores svg g.bin")
            assert [(bins.nth(i).get_attribute("data-label"), bins.nth(i).get_attribute("data-count")) for i in range(bins.count())] == [
                ("0", "2"), ("1", "1"), ("2", "1"), ("3", "1")]
            heights = [page.locator("#scores rect.bar").nth(i).bounding_box()["height"] for i in range(4)]
            assert heights[0] > heights[1] == heights[2] == heights[3] > 0  # drawn, to scale
            affine = page.locator('#gate-stats tr[data-gate="affine"]')
            assert affine.locator("td.share").inner_text() == "40% (2/5)"
            assert "db differs" in affine.locator("td.failure").inner_text()
            assert "N > 1" in affine.locator("td.diagnosis").inner_text()
            assert errors == []
        finally:
            browser.close()


def test_merging_halves_graded_without_an_assignment_equals_grading_all_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each half knows only its own gates: carol (a syntax error) and dave (relu alone) are graded on
    relu in theirs; merge grades everyone on the merged class's three gates, as one run would."""
    from .test_grade import _write_class

    pytest.importorskip("gradgate.checks.sandbox")
    whole = _write_class(tmp_path / "whole" / "class")
    assert main(["grade", str(whole), "--out", str(tmp_path / "whole" / "out"), "--examples", "5"]) == 0
    halves = []
    for i, names in enumerate((["carol", "dave"], ["alice", "bob"])):
        folder = _write_class(tmp_path / f"machine{i}" / "class", names)
        assert main(["grade", str(folder), "--out", str(tmp_path / f"machine{i}" / "out"), "--examples", "5"]) == 0
        halves.append(str(tmp_path / f"machine{i}" / "out"))
    assert _json(Path(halves[0]) / "summary.json")["gates"] == ["relu"]
    before = (Path(halves[0]) / "carol" / "report.json").read_text()
    assert main(["merge", *halves, "--out", str(tmp_path / "merged")]) == 0
    capsys.readouterr()
    merged, expected = tmp_path / "merged", tmp_path / "whole" / "out"
    assert _json(merged / "summary.json") == _json(expected / "summary.json")
    assert (merged / "grades.csv").read_text() == (expected / "grades.csv").read_text()
    for name in ("alice", "bob", "carol", "dave"):
        assert _json(merged / name / "results.json")["tests"] == _json(expected / name / "results.json")["tests"]
    assert (Path(halves[0]) / "carol" / "report.json").read_text() == before  # the shards are left as they were
