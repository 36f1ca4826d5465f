"""The pytest plugin, end to end: pytest runs on small student files written by each test."""

from __future__ import annotations

import json
import re
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

# Inline pytester runs put sys.modules back afterwards, and numpy and torch cannot be imported twice
# in one process: load the engine (and with it both) before any inline run does.
import gradgate.checks.engine
import jsonschema
import pytest

import gradgate.plugin  # noqa: F401

pytest_plugins = ["pytester"]

GOOD = """
import numpy as np

def relu_forward(x):
    return np.maximum(0, x), x

def relu_backward(dout, cache):
    return dout * (cache > 0)
"""

# db should sum dout over the batch; dout[0] is right only when N == 1.
BUGGY = """
import numpy as np

def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout[0]
    return dx, dw, db

def helper_forward(x):  # no helper_backward: found, but nothing to check
    return x, None
"""

GATE = """
class MultiplyGate:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dz):
        return dz * self.y, dz * self.x
"""

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "gradgate.report-1.schema.json"
FAST = ("-p", "no:cacheprovider", "--gradgate-examples", "20")
INTERNALS = ("Traceback", "gradgate/checks", "gradgate/plugin", "check_implementation", "site-packages")


@pytest.fixture
def students(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(good=GOOD, buggy=BUGGY, gate=GATE)
    return pytester


def section(text: str, title: str) -> str:
    """The body of pytest's `=== title ===` section, up to the next one."""
    match = re.search(rf"^=+ {title} =+$(.*?)^=+ ", text, re.MULTILINE | re.DOTALL)
    assert match, text
    return match.group(1)


def junit_properties(path: Path) -> dict[str, dict[str, str]]:
    """Test name -> its <property> elements, from a --junitxml file."""
    return {
        case.get("name", ""): {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        for case in ET.parse(path).iter("testcase")
    }


def header_seed(stdout: str) -> int:
    match = re.search(r"^gradgate: seed (\d+)", stdout, re.MULTILINE)
    assert match, stdout
    return int(match.group(1))


def test_one_item_per_implementation_with_the_cli_verdict(students: pytest.Pytester) -> None:
    result = students.runpytest("--gradgate", "good.py", "--gradgate", "buggy.py", "-v", *FAST)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*good.py::relu_forward PASSED*",
            "*buggy.py::affine_forward FAILED*",
        ]
    )
    assert "buggy.py::helper_forward" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*unchecked helper_forward (*buggy.py): no helper_backward next to it*"])


def test_a_failure_reads_like_the_cli(students: pytest.Pytester) -> None:
    result = students.runpytest("--gradgate", "buggy.py", "--gradgate-seed", "3", *FAST)
    result.assert_outcomes(failed=1)
    failure = section(result.stdout.str(), "FAILURES")
    assert "backward_vs_torch: db differs from torch autograd" in failure
    assert re.search(r"worst relative error: .*db \d\.\de[+-]\d\d", failure), failure  # the value is the example's
    assert "minimal example (N=2" in failure
    assert "db yours" in failure and "db expected" in failure
    for internal in INTERNALS:
        assert internal not in failure, internal


def test_folder_and_single_file_that_do_not_import_are_errors_and_the_rest_runs(
    pytester: pytest.Pytester,
) -> None:
    folder = pytester.mkdir("class")
    (folder / "good.py").write_text(GOOD)
    (folder / "typo.py").write_text("def relu_forward(x)\n    return x\n")
    pytester.makepyfile(boom="raise RuntimeError('boom at import')\n")
    # class/good.py is named twice (in the folder and on its own): it is checked once
    args = ("--gradgate", "class", "--gradgate", "boom.py", "--gradgate", "class/good.py")
    result = pytester.runpytest(*args, "-v", *FAST)
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*class/typo.py::import ERROR*",
            "*class/good.py::relu_forward PASSED*",
            "*boom.py::import ERROR*",
        ]
    )
    text = result.stdout.str()
    assert re.search(r"class/typo.py cannot be imported: SyntaxError", text)
    assert re.search(r"boom.py cannot be imported: RuntimeError: boom at import", text)
    for internal in INTERNALS:
        assert internal not in section(text, "ERRORS"), internal


def test_xdist_same_verdicts_one_seed_one_merged_report_written_once_by_the_controller(
    students: pytest.Pytester,
) -> None:
    # Loaded by the controller and by every worker: logs which process writes the JSON report.
    students.makeconftest(
        """
        import pathlib

        original = pathlib.Path.write_text
        role = "controller"

        def pytest_configure(config):
            global role
            role = config.workerinput["workerid"] if hasattr(config, "workerinput") else "controller"

        def write_text(self, *args, **kwargs):
            if self.name == "report.json":
                with open(pathlib.Path(__file__).with_name("writers.log"), "a") as log:
                    log.write(role + "\\n")
            return original(self, *args, **kwargs)

        pathlib.Path.write_text = write_text
        """
    )
    # Each test of this file reports the seed its worker's session uses (the API's default seed).
    students.makepyfile(
        test_seed="""
        import pytest
        from gradgate.plugin import session_options

        @pytest.mark.parametrize("n", range(6))
        def test_seed(n, record_property):
            record_property("seed", session_options().seed)
        """
    )
    result = students.runpytest_subprocess(
        "-n", "2", "test_seed.py", "--gradgate", "good.py", "--gradgate", "buggy.py", "--gradgate", "gate.py",
        "--gradgate-json", "report.json", "--junitxml", "junit.xml", "-v", *FAST,
    )  # fmt: skip
    result.assert_outcomes(passed=8, failed=1)
    seed = header_seed(result.stdout.str())
    assert {"gw0", "gw1"} <= set(re.findall(r"\[(gw\d)\]", result.stdout.str()))
    junit = ET.parse(students.path / "junit.xml")
    seeds = [p.get("value") for p in junit.iter("property") if p.get("name") == "seed"]
    assert seeds == [str(seed)] * 6

    assert (students.path / "writers.log").read_text() == "controller\n"
    report = json.loads((students.path / "report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    assert report["seed"] == seed and report["examples"] == 20
    assert [(r["implementation"], r["status"]) for r in report["results"]] == [
        ("relu_forward", "pass"),
        ("affine_forward", "fail"),
        ("MultiplyGate", "pass"),
    ]
    assert report["summary"] == {"pass": 2, "fail": 1, "error": 0}
    assert report["unchecked"] == [
        {"name": "helper_forward", "source": str(students.path / "buggy.py"), "reason": "no helper_backward next to it", "kind": "implementation"}
    ]
    assert report["command"].endswith(f"--gradgate-seed {seed}")
    result.stdout.fnmatch_lines(["*unchecked helper_forward*", "*JSON report written to*report.json"])

    # The same counts without xdist, and the seed from the header gives the same failure.
    serial = students.runpytest(
        "test_seed.py", "--gradgate", "good.py", "--gradgate", "buggy.py", "--gradgate", "gate.py", "--gradgate-seed", str(seed),
        "--gradgate-json", "serial.json", *FAST,
    )  # fmt: skip
    serial.assert_outcomes(passed=8, failed=1)
    again = json.loads((students.path / "serial.json").read_text())
    def timeless(results: list[dict]) -> list[dict]:  # each check's time is the one thing that differs
        return [{k: v for k, v in r.items() if k != "seconds"} for r in results]

    assert timeless(again["results"]) == timeless(report["results"])


def test_header_prints_the_seed_given_or_chosen(students: pytest.Pytester) -> None:
    given = students.runpytest("--gradgate", "good.py", "--gradgate-seed", "1234", *FAST)
    assert header_seed(given.stdout.str()) == 1234
    given.stdout.fnmatch_lines(["gradgate: seed 1234 *20 examples per implementation*checking good.py*"])
    chosen = students.runpytest("--gradgate", "good.py", *FAST)
    seed = header_seed(chosen.stdout.str())
    chosen.stdout.fnmatch_lines([f"rerun with --gradgate-seed {seed}"])


def test_ini_options_from_pyproject(students: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    students.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        gradgate_paths = ["good.py", "buggy.py"]
        gradgate_seed = "77"
        gradgate_examples = "20"
        gradgate_profile = "dev"
        gradgate_json = "out/report.json"
        """
    )
    monkeypatch.chdir(students.mkdir("elsewhere"))  # the ini file's paths are relative to the ini file
    result = students.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["gradgate: seed 77 * profile dev * 20 examples per implementation*"])
    monkeypatch.chdir(students.path)
    report = json.loads((students.path / "out" / "report.json").read_text())
    assert (report["seed"], report["examples"], len(report["results"])) == (77, 20, 2)

    # The command line wins over the ini file.
    override = students.runpytest("-p", "no:cacheprovider", "--gradgate", "good.py", "--gradgate-seed", "5")
    override.assert_outcomes(passed=1)
    override.stdout.fnmatch_lines(["gradgate: seed 5 *"])


@pytest.mark.parametrize(
    ("profile", "examples", "derandomize"), [("dev", 25, False), ("ci", 100, True), ("grading", 400, False)]
)
def test_profiles_set_examples_and_derandomize(
    pytester: pytest.Pytester, profile: str, examples: int, derandomize: bool
) -> None:
    pytester.makepyfile(
        test_options=f"""
        from gradgate.plugin import session_options

        def test_options():
            options = session_options()
            assert (options.examples, options.derandomize) == ({examples}, {derandomize})
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--gradgate-profile", profile)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"gradgate: seed * profile {profile}{' (derandomized)' if derandomize else ''}*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gradgate-examples", "0"], "--gradgate-examples expects N >= 1, got 0"),
        (["--gradgate-seed", "x"], "--gradgate-seed expects a whole number, got 'x'"),
        (["--gradgate-seed", str(2**32)], "--gradgate-seed expects 0 <= N < 4294967296"),
        (["--gradgate-profile", "fast"], "--gradgate-profile expects one of dev, ci, grading, got 'fast'"),
        (["--gradgate", "missing.py"], "gradgate: no such file or folder: missing.py"),
    ],
)
def test_wrong_settings_are_usage_errors(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_junitxml_carries_gate_and_worst_error(students: pytest.Pytester) -> None:
    result = students.runpytest("--gradgate", "good.py", "--gradgate", "buggy.py", "--junitxml", "junit.xml", *FAST)
    result.assert_outcomes(passed=1, failed=1)
    cases = junit_properties(students.path / "junit.xml")
    relu, affine = cases["relu_forward"], cases["affine_forward"]
    assert (relu["gate"], relu["implementation"], relu["status"]) == ("relu", "relu_forward", "pass")
    assert (affine["gate"], affine["implementation"], affine["status"]) == ("affine", "affine_forward", "fail")
    assert float(relu["worst_rel_error"]) <= 1e-6 < float(affine["worst_rel_error"])
    assert (relu["points"], relu["visibility"]) == ("1", "visible")


def test_marker_attaches_points_and_visibility(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_graded="""
        import pytest

        @pytest.mark.gradgate(points=2, visibility="hidden")
        def test_graded():
            pass

        @pytest.mark.gradgate(points=-1)
        def test_negative():
            pass

        def test_plain():
            pass
        """
    )
    result = pytester.runpytest("--strict-markers", "--junitxml", "junit.xml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.gradgate points should be a number >= 0, got -1*"])
    cases = junit_properties(pytester.path / "junit.xml")
    assert cases["test_graded"] == {"points": "2", "visibility": "hidden"}
    assert cases["test_plain"] == {}


def test_keyword_selection_applies_to_gradgate_items(students: pytest.Pytester) -> None:
    result = students.runpytest("--gradgate", "good.py", "--gradgate", "buggy.py", "-k", "relu", *FAST)
    result.assert_outcomes(passed=1, deselected=1)


def test_html_report_through_gradgate_html(students: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered: list[dict[str, Any]] = []

    def render(report: dict[str, Any]) -> str:
        rendered.append(report)
        return f"<p>{report['summary']}</p>"

    fake = types.ModuleType("gradgate.report")
    fake.render = render  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gradgate.report", fake)
    result = students.runpytest("--gradgate", "good.py", "--gradgate", "buggy.py", "--gradgate-html", "r.html", *FAST)
    result.assert_outcomes(passed=1, failed=1)
    assert len(rendered) == 1 and rendered[0]["schema"] == "gradgate.report/1"
    assert (students.path / "r.html").read_text() == "<p>{'pass': 1, 'fail': 1, 'error': 0}</p>"


def test_html_without_a_renderer_is_a_usage_error(students: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gradgate.report", None)  # as if gradgate.report did not exist
    result = students.runpytest("--gradgate", "good.py", "--gradgate-html", "r.html", *FAST)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradgate-html needs gradgate.report*"])
    assert not (students.path / "r.html").exists()


def test_registered_through_the_pytest11_entry_point() -> None:
    from importlib.metadata import entry_points

    (plugin,) = [e for e in entry_points(group="pytest11") if e.name == "gradgate"]
    assert plugin.value == "gradgate.plugin"


def test_unused_plugin_imports_nothing_heavy_and_prints_no_header(pytester: pytest.Pytester) -> None:
    # Every pytest session in the environment loads the plugin: without --gradgate it must cost nothing.
    pytester.makepyfile(
        test_light="""
        import sys

        def test_light():
            heavy = {"torch", "hypothesis", "gradgate.checks.engine", "gradgate.gates"} & set(sys.modules)
            assert not heavy, heavy
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "gradgate" not in result.stdout.str().replace("plugins: gradgate-", "plugins: ")
    # asked for gradgate's settings (for the API's checks), the header says what they are
    asked = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--gradgate-seed", "7")
    asked.assert_outcomes(passed=1)  # settings alone load nothing either
    asked.stdout.fnmatch_lines(["gradgate: seed 7 (--gradgate-seed 7 repeats it)"])


def test_node_ids_paste_back_to_rerun_one_implementation(students: pytest.Pytester) -> None:
    folder = students.mkdir("class")
    (folder / "buggy.py").write_text(BUGGY)
    (folder / "good.py").write_text(GOOD)
    result = students.runpytest("--gradgate", "class", "-v", *FAST)
    result.assert_outcomes(passed=1, failed=1)
    failed = re.search(r"^FAILED (\S+)", result.stdout.str(), re.MULTILINE)
    assert failed and failed.group(1) == "class/buggy.py::affine_forward", result.stdout.str()
    # the id as printed, pasted back: that implementation alone runs, with the same verdict
    again = students.runpytest("--gradgate", "class", failed.group(1), "-v", *FAST)
    again.assert_outcomes(failed=1)
    again.stdout.fnmatch_lines(["*class/buggy.py::affine_forward FAILED*"])
    # the file alone: its implementations; the ini's paths make --gradgate unnecessary
    students.makeini("[pytest]\ngradgate_paths = class\n")
    alone = students.runpytest("class/good.py", "-v", *FAST)
    alone.assert_outcomes(passed=1)
    alone.stdout.fnmatch_lines(["*class/good.py::relu_forward PASSED*"])


def test_timeout_is_gradgate_checks_timeout(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        slow="""
        import time
        import numpy as np

        def relu_forward(x):
            time.sleep(30)
            return np.maximum(0, x), x

        def relu_backward(dout, cache):
            return dout * (cache > 0)
        """,
        good=GOOD,
    )
    result = pytester.runpytest("--gradgate", "slow.py", "--gradgate", "good.py", "--gradgate-timeout", "0.5", "-v", *FAST)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*slow.py::relu_forward FAILED*", "*good.py::relu_forward PASSED*"])
    assert "still running after 0.5 s" in section(result.stdout.str(), "FAILURES")
    bad = pytester.runpytest("--gradgate", "good.py", "--gradgate-timeout", "0")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--gradgate-timeout expects more than 0 seconds, got 0*"])


def test_nothing_checkable_is_pytests_no_tests_collected_with_the_reasons(pytester: pytest.Pytester) -> None:
    """Torch code and a course file that does not load are listed, never error items: nothing is
    collected, which is pytest's own exit code 5."""
    folder = pytester.mkdir("eecs")
    (folder / "features.py").write_text("def hog_feature(im):\n    print 'old course code'\n")
    (folder / "torchy.py").write_text(
        "import torch\nfrom features import hog_feature\n\n"
        "def relu_forward(x):\n    return x.clamp(min=0), x\n\n"
        "def relu_backward(dout, cache):\n    return dout * (cache > 0).to(dout.dtype)\n"
    )
    result = pytester.runpytest("--gradgate", "eecs", *FAST)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    text = result.stdout.str()
    assert "ERROR" not in text
    # each listed, in whichever order discovery and matching found them
    result.stdout.fnmatch_lines(["*unchecked relu_forward (*torchy.py): not checked: written for torch tensors*"])
    result.stdout.fnmatch_lines(["*unchecked features (*features.py): course-provided module, not checked: it cannot be imported here (SyntaxError*"])


def test_a_configurable_model_is_one_item_per_configuration(pytester: pytest.Pytester) -> None:
    """FullyConnectedNet[plain], [dropout], ...: one item each, with its own verdict, selectable by
    -k and by node id, and under xdist the same items."""
    mutant = Path(__file__).resolve().parent / "mutants" / "FullyConnectedNet__options_not_implemented.py"
    pytester.makepyfile(fc_net=mutant.read_text())
    result = pytester.runpytest("--gradgate", "fc_net.py", "-v", "-p", "no:cacheprovider", "--gradgate-examples", "10")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines([
        "*fc_net.py::FullyConnectedNet[[]plain[]] PASSED*",
        "*fc_net.py::FullyConnectedNet[[]dropout[]] FAILED*",
        "*fc_net.py::FullyConnectedNet[[]batchnorm[]] FAILED*",
        "*fc_net.py::FullyConnectedNet[[]layernorm[]] FAILED*",
    ])  # fmt: skip
    assert "not implemented: dropout_keep_ratio=0.5 changes nothing" in result.stdout.str()
    chosen = pytester.runpytest("--gradgate", "fc_net.py", "-v", "-p", "no:cacheprovider", "--gradgate-examples", "10", "-k", "plain")
    chosen.assert_outcomes(passed=1)
    spread = pytester.runpytest("--gradgate", "fc_net.py", "-n", "2", "-p", "no:cacheprovider", "--gradgate-examples", "10")
    spread.assert_outcomes(passed=1, failed=3)
