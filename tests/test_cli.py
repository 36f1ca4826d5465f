"""`gradgate check` and `gradgate list` end to end: exit codes, JSON, messages, bad student code."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from gradgate.gates import REGISTRY

from gradgate.cli import main

RELU = '''
import numpy as np
def relu_forward(x):
    return np.maximum(0, x), x
def relu_backward(dout, cache):
    return dout * (cache > 0)
'''

AFFINE_NO_BATCH_SUM = '''
import numpy as np
def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout[0]
'''


def _write(folder: Path, name: str, code: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(code))
    return path


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # default reports go to ./reports: keep them out of the repo


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_correct_file_exits_0_and_writes_the_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    student = _write(tmp_path, "relu.py", RELU)
    code, out, _ = _check(capsys, str(student), "--seed", "3", "--json", str(tmp_path / "r.json"))
    assert code == 0
    assert "PASS  relu" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["schema"] == "gradgate.report/1"
    assert (data["target"], data["seed"], data["examples"], data["error"]) == (str(student), 3, 100, None)
    assert data["summary"] == {"pass": 1, "fail": 0, "error": 0}
    (result,) = data["results"]
    assert (result["gate"], result["implementation"], result["status"]) == ("relu", "relu_forward", "pass")
    assert {c["check"] for c in result["checks"]} >= {"forward_vs_torch", "backward_vs_torch", "backward_vs_fd"}
    assert result["counterexample"] is None


def test_durations_lists_the_slowest_implementations_and_the_json_has_each_ones_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    student = _write(tmp_path, "two.py", RELU + AFFINE_NO_BATCH_SUM)
    code, out, _ = _check(capsys, str(student), "--examples", "10", "--durations", "1", "--json", str(tmp_path / "r.json"))
    assert code == 1
    data = json.loads((tmp_path / "r.json").read_text())
    seconds = {r["implementation"]: r["seconds"] for r in data["results"]}
    assert set(seconds) == {"relu_forward", "affine_forward"} and all(s > 0 for s in seconds.values()), seconds
    assert sum(seconds.values()) <= data["seconds"]
    slowest = max(seconds, key=lambda k: seconds[k])
    listed = out.split("slowest 1 implementations", 1)[1].splitlines()
    shown = re.match(r"\s+([0-9.]+)s  (\w+)  \(two\.py\)$", listed[1])
    assert shown and shown.group(2) == slowest and abs(float(shown.group(1)) - seconds[slowest]) <= 0.01, out
    assert not listed[2].startswith("  "), out  # only the one asked for
    _, every, _ = _check(capsys, str(student), "--examples", "10", "--durations", "0", "--no-report")
    assert "implementations by time" in every and "relu_forward  (two.py)" in every and "affine_forward  (two.py)" in every


def test_buggy_file_exits_1_with_the_minimal_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    student = _write(tmp_path, "affine.py", AFFINE_NO_BATCH_SUM)
    code, out, _ = _check(capsys, str(student), "--seed", "1", "--json", str(tmp_path / "r.json"))
    assert code == 1
    assert "FAIL  affine" in out and "minimal example" in out and "db" in out
    result = json.loads((tmp_path / "r.json").read_text())["results"][0]
    assert result["status"] == "fail"
    cex = result["counterexample"]
    assert cex["check"] == "backward_vs_torch" and cex["input"] == "db"
    # Shrunk: the bug needs two samples to show, and needs nothing bigger.
    assert cex["inputs"]["x"]["shape"][0] == 2
    assert cex["wrong_entries"]


def test_same_seed_repeats_exactly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    student = _write(tmp_path, "affine.py", AFFINE_NO_BATCH_SUM)
    runs = []
    for n in range(2):
        _check(capsys, str(student), "--seed", "42", "--json", str(tmp_path / f"{n}.json"))
        # everything but the time each check took
        runs.append([{k: v for k, v in r.items() if k != "seconds"} for r in json.loads((tmp_path / f"{n}.json").read_text())["results"]])
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "args", [["--examples", "0", "."], ["--seed", "-1", "."], ["--timeout", "0", "."], ["--durations", "-1", "."], ["--bogus", "."]]
)
def test_bad_arguments_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check", *args])
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_path_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _check(capsys, "/no/such/file.py")
    assert code == 2
    assert "does not exist" in err and "Traceback" not in err


def test_syntax_error_is_exit_2_naming_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    student = _write(tmp_path, "broken.py", "def relu_forward(x):\n    return x +\n")
    code, _, err = _check(capsys, str(student), "--json", str(tmp_path / "r.json"))
    assert code == 2
    assert "SyntaxError" in err and "broken.py" in err and "line 2" in err
    assert json.loads((tmp_path / "r.json").read_text())["error"]


def test_folder_with_a_broken_file_checks_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "good.py", RELU)
    _write(tmp_path, "bad.py", "import numpy as np\nraise RuntimeError('half done')\n")
    code, out, _ = _check(capsys, str(tmp_path), "--seed", "0", "--examples", "20")
    assert code == 1
    assert "PASS  relu" in out
    assert "ERROR" in out and "half done" in out
    (row,) = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert row.endswith("(not run)") and "contract" not in row  # no check ran: none is shown as ok


def test_student_exceptions_hangs_exits_and_nans_are_verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(
        tmp_path,
        "hostile.py",
        '''
        import sys
        import numpy as np
        def relu_forward(x):
            return np.maximum(0, x), x
        def relu_backward(dout, cache):
            while True:
                pass
        def sigmoid_forward(x):
            raise ValueError("not yet")
        def sigmoid_backward(dout, cache):
            return dout
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
        class AddGate:
            def forward(self, x, y):
                print("debugging " * 10000)
                return x + y
            def backward(self, dz):
                return dz, dz
        ''',
    )
    code, out, _ = _check(capsys, str(tmp_path / "hostile.py"), "--seed", "0", "--timeout", "0.5", "--json", str(tmp_path / "r.json"))
    assert code == 1
    verdicts = {r["gate"]: r for r in json.loads((tmp_path / "r.json").read_text())["results"]}
    assert verdicts["relu"]["status"] == "error" and "timed out" in verdicts["relu"]["message"]
    # the hang is named where it was: the backward's loop, not the forward the row is named after
    assert re.search(r"at hostile\.py:(7|8) in relu_backward", verdicts["relu"]["message"]), verdicts["relu"]["message"]
    assert verdicts["sigmoid"]["status"] == "error" and "ValueError: not yet" in verdicts["sigmoid"]["message"]
    assert "hostile.py:10" in verdicts["sigmoid"]["message"]
    assert verdicts["affine"]["status"] == "error" and "SystemExit" in verdicts["affine"]["message"]
    assert verdicts["MultiplyGate"]["status"] == "fail" and "not finite" in verdicts["MultiplyGate"]["message"]
    assert verdicts["AddGate"]["status"] == "pass" and len(verdicts["AddGate"]["output"]) <= 4000


def test_unknown_implementations_are_listed_unchecked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "extra.py", RELU + "\ndef swish_forward(x):\n    return x, x\ndef swish_backward(d, c):\n    return d\n")
    code, out, _ = _check(capsys, str(tmp_path / "extra.py"), "--examples", "10", "--seed", "0")
    assert code == 0
    assert "unchecked swish_forward" in out


TORCH_ONLY = '''
import torch
def relu_forward(x):
    return x.clamp(min=0), x
def relu_backward(dout, cache):
    return dout * (cache > 0).to(dout.dtype)
def my_forward(x):
    return x, x
def my_backward(dout, cache):
    return dout
'''


def test_nothing_checked_exits_5_saying_what_was_looked_for_and_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "eecs498.py", TORCH_ONLY)
    code, out, _ = _check(capsys, str(tmp_path / "eecs498.py"), "--seed", "0", "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"))
    assert code == 5
    assert "nothing checked: gradgate looked for layer pairs NAME_forward with NAME_backward" in out
    assert "found 2 implementation(s) not checked" in out
    assert "1 × not checked: written for torch tensors" in out and "1 × no registry entry for layer pair 'my'" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["results"] == [] and {u["kind"] for u in data["unchecked"]} == {"implementation"}
    page = (tmp_path / "r.html").read_text()
    assert "written for torch tensors" in page[page.index('id="unchecked"'):]
    # an empty folder's module with nothing in it: the same exit code, "nothing that follows them"
    (tmp_path / "empty").mkdir()
    _write(tmp_path / "empty", "notes.py", "X = 1\n")
    code, out, _ = _check(capsys, str(tmp_path / "empty"), "--no-report")
    assert code == 5 and "found nothing that follows them" in out


def test_list_names_every_registry_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for spec in REGISTRY:
        assert spec.name in out


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    student = _write(tmp_path, "affine.py", AFFINE_NO_BATCH_SUM)
    proc = subprocess.run(
        [sys.executable, "-m", "gradgate", "check", str(student), "--examples", "30", "--seed", "5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "rerun with --seed 5" in proc.stdout


def test_output_cut_short_by_a_closed_pipe_still_finishes_the_run(tmp_path: Path) -> None:
    """`gradgate check ... | head -1`: no traceback, the reports are written, the exit status is the verdict's."""
    student = _write(tmp_path, "affine.py", AFFINE_NO_BATCH_SUM)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradgate", "check", str(student), "--examples", "10", "--seed", "5",
         "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"gradgate: checking")
    proc.stdout.close()  # the reader goes away, as head does
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["fail"] == 1
    assert (tmp_path / "r.html").exists()


def test_recorded_rerun_command_repeats_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    student = _write(tmp_path, "relu.py", RELU)
    _check(capsys, str(student), "--seed", "9", "--examples", "7", "--json", str(tmp_path / "a.json"))
    assert json.loads((tmp_path / "a.json").read_text())["command"] == (
        f"gradgate check {student} --seed 9 --examples 7 --json {tmp_path / 'a.json'}"
    )
    _check(capsys, str(student), "--examples", "7", "--json", str(tmp_path / "b.json"))
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["command"].endswith(f"--seed {data['seed']}")


# A fresh interpreter runs gradgate's main with the arguments and says, on its last line, what it
# had imported by the time main was done.
LIGHT = """
import json, sys
from gradgate.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print(json.dumps({"code": code, "torch": "torch" in sys.modules, "hypothesis": "hypothesis" in sys.modules}))
"""


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--version"], 0),
        (["--help"], 0),
        (["check", "--help"], 0),
        (["grade", "--help"], 0),
        (["list"], 0),
        (["check", "--bogus", "."], 2),
        (["check"], 2),  # the path is missing
        (["check", "--seed", "x", "."], 2),
        (["check", "/no/such/file.py"], 2),
        (["grade", "subs"], 2),  # --out is missing
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_help_version_list_and_argument_errors_load_neither_torch_nor_hypothesis(
    args: list[str], code: int, tmp_path: Path
) -> None:
    proc = subprocess.run([sys.executable, "-c", LIGHT, *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    *printed, last = proc.stdout.splitlines()
    assert json.loads(last) == {"code": code, "torch": False, "hypothesis": False}, proc.stderr
    assert "Traceback" not in proc.stderr
    if code == 2:  # an argument error: the message, and no header line before it
        assert printed == [] and proc.stderr.strip(), proc.stdout
        assert "gradgate" in proc.stderr


def test_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    proc = subprocess.run([sys.executable, "-m", "gradgate", "--version"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"gradgate {version('gradgate')}"


def test_list_reads_the_registry_without_torch(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", LIGHT, "list"], capture_output=True, text=True, timeout=120)
    *printed, last = proc.stdout.splitlines()
    assert json.loads(last)["torch"] is False
    listed = "\n".join(printed)
    for spec in REGISTRY:
        assert f"  {spec.name} " in listed and spec.summary in listed


# Waits, on its first call, until the test has seen relu's line: that happens only if the line is
# printed while the run still goes on. Unstreamed, it would wait out --timeout and be an error.
WAITS_FOR_RELU_LINE = '''
import os, time
import numpy as np

def sigmoid_forward(x):
    while not os.path.exists({flag!r}):
        time.sleep(0.02)
    out = 1 / (1 + np.exp(-x))
    return out, out

def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)
'''


def test_the_first_result_line_is_printed_before_the_run_finishes(tmp_path: Path) -> None:
    folder = tmp_path / "hw"
    folder.mkdir()
    flag = tmp_path / "relu line seen"
    _write(folder, "a_relu.py", RELU)
    _write(folder, "b_sigmoid.py", WAITS_FOR_RELU_LINE.format(flag=str(flag)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradgate", "check", str(folder), "--examples", "10", "--seed", "1", "--timeout", "20", "--no-report"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("PASS  relu"):
            flag.touch()
    proc.wait(timeout=300)
    verdicts = [line.split()[:2] for line in lines if line.startswith(("PASS", "FAIL", "ERROR"))]
    assert verdicts == [["PASS", "relu"], ["PASS", "sigmoid"]], "".join(lines) + proc.stderr.read()  # type: ignore[union-attr]
    assert proc.returncode == 0


def test_run_reports_each_result_as_it_is_judged(tmp_path: Path) -> None:
    """The one run function streams: its callback has the first result before the second
    implementation is called."""
    from gradgate.checks.engine import run

    folder = tmp_path / "hw"
    folder.mkdir()
    log = tmp_path / "log"
    _write(folder, "a_relu.py", RELU)
    _write(folder, "b_sigmoid.py", f'''
import numpy as np
def sigmoid_forward(x):
    with open({str(log)!r}, "a") as f:
        f.write("sigmoid called\\n")
    out = 1 / (1 + np.exp(-x))
    return out, out
def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)
''')

    def on_result(result) -> None:  # type: ignore[no-untyped-def]
        with open(log, "a") as f:
            f.write(f"result {result.gate} {result.status.value}\n")

    report = run(folder, examples=5, seed=0, on_result=on_result)
    events = log.read_text().splitlines()
    assert events[0] == "result relu pass" and events[1] == "sigmoid called", events
    assert events[-1] == "result sigmoid pass"
    assert [r.gate for r in report.results] == ["relu", "sigmoid"]  # the summary still has them all


def test_ctrl_c_prints_the_partial_summary_and_the_seed_without_a_traceback(tmp_path: Path) -> None:
    """SIGINT after the first verdict: the verdicts so far, the seed to repeat the run, exit 130."""
    _write(tmp_path, "a_relu.py", RELU)
    _write(tmp_path, "b_slow.py", "import time\n\n\ndef sigmoid_forward(x):\n    time.sleep(60)\n    return x, x\n\n\ndef sigmoid_backward(dout, cache):\n    return dout\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradgate", "check", str(tmp_path), "--examples", "5", "--no-report"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # the relu verdict, then the slow one hangs in its first call
        seen.append(line)
        if line.startswith("PASS  relu"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    seed = re.search(r"seed (\d+)", seen[0])
    assert seed, seen
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert f"interrupted: 1 passed, 0 failed, 0 errors before Ctrl-C; no report written (rerun with --seed {seed.group(1)})" in out, out
    assert "Traceback" not in out + err, err


def test_an_error_raised_while_handling_ctrl_c_is_still_ctrl_c() -> None:
    """Hypothesis asserts on its own state when Ctrl-C lands early in its engine (a flaky traceback
    of the test above): the engine reads such an error as the interrupt it came from."""
    from gradgate.checks.engine import _during_ctrl_c

    def tripped() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise AssertionError("state._runner is None") from None  # `from None` keeps __context__

    with pytest.raises(AssertionError) as caught:
        tripped()
    assert _during_ctrl_c(caught.value)
    assert not _during_ctrl_c(AssertionError("a bug of ours"))


def _on_a_terminal(args: list[str], cwd: Path, **env: str) -> str:
    """gradgate's output as a terminal of 80 columns shows it (a pseudo-terminal)."""
    import os
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradgate", *args], stdin=follower, stdout=follower, stderr=follower, cwd=cwd,
        env={**os.environ, "COLUMNS": "80", "LINES": "24", "TERM": "xterm", **env}, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")


def _screen(raw: str) -> list[str]:
    """The lines left on the terminal: a line redrawn after a carriage return shows its last
    drawing, and a cursor-up erases the line above (how a transient progress bar goes away)."""
    lines: list[str] = []
    for line in raw.split("\n"):
        shown = re.sub(r"\x1b\[(2K|\?25[lh])", "", line.rsplit("\r", 1)[-1])
        for _ in range(shown.count("\x1b[1A")):
            if lines:
                lines.pop()
        lines.append(shown.replace("\x1b[1A", ""))
    return lines


SIGMOID_BACKWARD_WRONG = "import numpy as np\n\n\ndef sigmoid_forward(x):\n    s = 1 / (1 + np.exp(-x))\n    return s, s\n\n\ndef sigmoid_backward(dout, s):\n    return dout * s\n"


def test_on_a_terminal_rows_are_coloured_fit_80_columns_and_name_the_wrong_function_and_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "hw"
    folder.mkdir()
    _write(folder, "relu.py", RELU)
    _write(folder, "sigmoid.py", SIGMOID_BACKWARD_WRONG)
    text = "\n".join(_screen(_on_a_terminal(["check", str(folder), "--examples", "10", "--no-report", "--seed", "0"], tmp_path)))
    rows = [line for line in text.splitlines() if re.match(r"(\x1b\[[0-9;]*m)?(PASS|FAIL|ERROR)", line)]
    assert len(rows) == 2, text
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", row) for row in rows]
    assert all(len(row) <= 80 for row in plain), plain
    assert rows[0].startswith("\x1b[32mPASS") and rows[1].startswith("\x1b[1;31mFAIL"), rows
    # the backward is the wrong function, in sigmoid.py; only its failing checks are shown
    assert re.match(r"FAIL  sigmoid_backward  bwd/torch [0-9.e+-]+!  bwd/fd [0-9.e+-]+!  \(\d+ examples\)", plain[1]), plain[1]
    # its file at the row's end where it fits, else on the line under it
    assert plain[1].endswith("  sigmoid.py") or "\n      in sigmoid.py\n" in text, text
    assert plain[0].endswith("relu.py")
    no_colour = _on_a_terminal(["check", str(folder), "--examples", "10", "--no-report", "--seed", "0"], tmp_path, NO_COLOR="1")
    # no colour (the progress bar's cursor movements are no colour)
    assert not re.search(r"\x1b\[[0-9;]*m", no_colour) and "FAIL  sigmoid_backward" in no_colour


def test_a_terminal_shows_progress_while_checking_and_leaves_only_the_results(tmp_path: Path) -> None:
    folder = tmp_path / "hw"
    folder.mkdir()
    _write(folder, "relu.py", RELU)
    _write(folder, "sigmoid.py", SIGMOID_BACKWARD_WRONG)
    args = ["check", str(folder), "--examples", "10", "--no-report", "--seed", "0"]
    raw = _on_a_terminal(args, tmp_path)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
    drawn = re.findall(r"checking .*? (\d+)/(\d+) ", plain)
    assert drawn and {total for _, total in drawn} == {"2"}, plain
    assert ("1", "2") in drawn and ("2", "2") in drawn  # it advances as each implementation is judged
    screen = _screen(raw)
    assert not any("checking " in line and "/2" in line for line in screen), screen  # gone at the end
    assert sum(bool(re.match(r"(\x1b\[[0-9;]*m)?(PASS|FAIL)", line)) for line in screen) == 2, screen
    piped = subprocess.run([sys.executable, "-m", "gradgate", *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "checking " not in piped.stdout.replace(f"checking {folder}", "") and "\r" not in piped.stdout, piped.stdout


def test_piped_rows_have_no_colour_and_every_column(tmp_path: Path) -> None:
    _write(tmp_path, "sigmoid.py", SIGMOID_BACKWARD_WRONG)
    proc = subprocess.run(
        [sys.executable, "-m", "gradgate", "check", "sigmoid.py", "--examples", "10", "--no-report", "--seed", "0"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    (row,) = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert "\x1b[" not in proc.stdout
    assert "contract ok" in row and "determinism" in row and "sigmoid_backward" in row, row


def test_watch_rechecks_only_what_a_save_changed_and_ctrl_c_ends_it(tmp_path: Path) -> None:
    """--watch: after the first run, saving layers.py re-checks relu (now wrong) and the composite
    in layer_utils.py that calls it, not sigmoid.py; Ctrl-C ends with exit 0 and no traceback."""
    import threading

    folder = tmp_path / "hw"
    folder.mkdir()
    _write(folder, "layers.py", RELU)
    _write(folder, "layer_utils.py", "from layers import relu_forward, relu_backward\n\n\n"
           "def affine_relu_forward(x, w, b):\n    a = x.reshape(x.shape[0], -1) @ w + b\n    out, cache = relu_forward(a)\n    return out, (x, w, b, cache)\n\n\n"
           "def affine_relu_backward(dout, cache):\n    x, w, b, c = cache\n    da = relu_backward(dout, c)\n"
           "    return (da @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ da, da.sum(0)\n")
    _write(folder, "sigmoid.py", SIGMOID_BACKWARD_WRONG.replace("dout * s", "dout * s * (1 - s)"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradgate", "check", str(folder), "--watch", "--examples", "10", "--no-report", "--seed", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.stdout is not None
    lines: list[str] = []
    watching = threading.Event()
    rechecked = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("gradgate: watching"):
                watching.set()
            if "layers.py saved:" in line:
                rechecked.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert watching.wait(120), "".join(lines)
    first = len(lines)
    (folder / "layers.py").write_text(textwrap.dedent(RELU).replace("dout * (cache > 0)", "dout * (cache < 0)"))
    assert rechecked.wait(120), "".join(lines)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    reader.join(30)  # the reader alone drains stdout, to its last line
    assert proc.stderr is not None
    err = proc.stderr.read()
    after = [line for line in lines[first:] if re.match(r"(PASS|FAIL|ERROR) ", line)]
    assert sorted(line.split()[1] for line in after) == ["affine_relu", "relu"], after
    assert all(line.startswith("FAIL") for line in after), after
    assert any("relu_backward" in line for line in after), after
    assert "1 passed" not in lines[-2] and "0 passed, 2 failed" in "".join(lines[first:]), lines[first:]
    assert proc.returncode == 0 and "stopped watching" in "".join(lines) and "Traceback" not in err, err
