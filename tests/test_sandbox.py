"""Hostile submissions against the grading sandbox. Each submission holds a correct relu (which must
still pass) and one hostile affine (which must fail or error); grading must finish, forge nothing,
and leave no process running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import tempfile
import time
from pathlib import Path

import pytest
from gradgate.checks.engine import run
from gradgate.checks.results import RunReport, Status
from gradgate.checks.sandbox import Sandbox, _alive, _Child

GOOD = '''
import numpy as np
def relu_forward(x):
    return np.maximum(0, x), x
def relu_backward(dout, cache):
    return dout * (cache > 0)
'''

AFFINE = '''
import numpy as np
def affine_forward(x, w, b):
    {forward}
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
def affine_backward(dout, cache):
    {backward}
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(0)
'''

FORGED = "/tmp/gradgate-forged-verdict.json"

# name -> (forward line, backward line, extra module-level code)
HOSTILE = {
    "infinite_loop": ("pass", "while True: pass", ""),
    "os_exit": ("import os; os._exit(0)", "pass", ""),
    "memory_hoarding": ("_hoard.append(np.ones(50_000_000))", "pass", "_hoard = []"),
    "monkeypatched_numpy": ("pass", "dout = dout * 2", "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None"),
    "forged_results": (f"open({FORGED!r}, 'w').write('{{\"status\": \"pass\"}}')", "pass", "print('PASS: all 100 tests passed, score 100/100')"),
    "imports_the_harness": ("from gradgate.gates import REGISTRY", "pass", ""),
    "imports_reference_files": (
        "import sys; sys.path.insert(0, " + repr(str(Path(__file__).resolve().parent.parent / "gates" / "student")) + "); from layers import affine_forward as f; return f(x, w, b)",
        "pass",
        "",
    ),
    "uses_torch": ("import torch", "pass", ""),
    "segfault": ("import faulthandler; faulthandler._sigsegv()", "pass", ""),
    "stray_processes": ("import subprocess; subprocess.Popen(['sleep', '1000'])", "pass", ""),
    "forks": ("import os; os.fork()", "pass", ""),
    "megabytes_of_output": ("print('x' * 5_000_000)", "dout = -dout", ""),
    "non_array_return": ("return 'out', None", "pass", ""),
    "sleeps_at_import": ("pass", "pass", "import time; time.sleep(1000)"),
}


def _submission(folder: Path, name: str) -> Path:
    forward, backward, extra = HOSTILE[name]
    sub = folder / name
    sub.mkdir()
    (sub / "good.py").write_text(textwrap.dedent(GOOD))
    code = textwrap.dedent(AFFINE).format(forward=forward, backward=backward)
    (sub / "hostile.py").write_text(extra + "\n" + code)
    return sub


def _running(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmd:
                found.append(cmd)
    return found


_ZYGOTE = "gradgate.checks.zygote_server"


def _processes() -> dict[int, tuple[int, str, str, str]]:
    """pid -> (parent pid, state, command name, command line) of every process we can read."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            state, ppid = stat.rpartition(")")[2].split()[:2]
            table[int(entry)] = (int(ppid), state, comm, cmd)
    return table


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _descendants(root: int) -> dict[int, tuple[int, str, str, str]]:
    table = _processes()
    found: dict[int, tuple[int, str, str, str]] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, row in table.items():
            if row[0] == parent and pid not in found:
                found[pid] = row
                frontier.append(pid)
    return found


def _left_running(root: int | None = None) -> list[str]:
    """Live processes below a warm zygote that runs under `root` (this test process): a sandbox
    child that outlived its check, or whatever it started. The zygotes themselves stay, warm."""
    below = _descendants(os.getpid() if root is None else root)

    def under_a_zygote(pid: int) -> bool:
        parent = below.get(pid, (0,))[0]
        while parent in below:
            _, _, comm, cmd = below[parent]
            if _ZYGOTE in cmd and comm != "bwrap":
                return True
            parent = below[parent][0]
        return False

    return [f"{pid} {row[3][:120]}" for pid, row in below.items() if row[1] not in ("Z", "X") and under_a_zygote(pid)]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_submission(name: str, tmp_path: Path) -> None:
    if os.path.exists(FORGED):
        os.remove(FORGED)
    sub = _submission(tmp_path, name)
    report = run(sub, examples=20, seed=0, timeout=3, executor=Sandbox(timeout=3, memory_mb=1024, forbid_imports=["torch"]))
    assert report.error is None
    verdicts = {r.gate: r for r in report.results}
    assert verdicts["relu"].status is Status.PASS, verdicts["relu"].message
    hostile = [r for r in report.results if r.gate != "relu"]
    assert hostile, "the hostile file left no verdict"
    assert all(r.status in (Status.FAIL, Status.ERROR) for r in hostile), [(r.gate, r.message) for r in hostile]
    assert not os.path.exists(FORGED)
    assert all(len(r.output) <= 4000 for r in report.results)
    assert not _left_running(), "a sandbox child outlived its check"
    assert not _running("sleep 1000")


def test_the_leftover_check_sees_a_live_child(tmp_path: Path) -> None:
    """What the hostile tests assert is absent is found while it is there."""
    child = _Child(tmp_path, 5.0, None, ())
    try:
        assert _left_running(), "a live sandbox child was not seen"
    finally:
        child.close()
    assert not _left_running()


def test_a_zombie_reads_as_gone() -> None:
    """A killed grader's workers can stay unreaped for a while; their scratch folders are orphans all the same."""
    quick = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _processes().get(quick.pid, ("", ""))[1] != "Z":
        time.sleep(0.05)
    assert _processes()[quick.pid][1] == "Z", "the child did not become a zombie"
    assert not _alive(quick.pid)
    assert _alive(os.getpid())
    quick.wait()
    assert not _alive(quick.pid)


_LOOPS = """
def relu_forward(x):
    while True:
        pass
def relu_backward(dout, cache):
    return dout
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_grader_killed_mid_check_leaves_nothing_running(jobs: int, tmp_path: Path) -> None:
    """A grader killed while a child spins (CI cancelled, a teacher's Ctrl-C and kill -9) takes the
    zygote, its children and the grading workers with it."""
    for name in ("ann", "bob"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "layers.py").write_text(_LOOPS)
    grader = subprocess.Popen(
        [sys.executable, "-m", "gradgate", "grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
         "--timeout", "120", "--jobs", str(jobs)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            below = _descendants(grader.pid)
            zygotes = {p for p, row in below.items() if _ZYGOTE in row[3] and row[2] != "bwrap"}
            if any(row[0] in zygotes and _cpu_seconds(pid) > 1.0 for pid, row in below.items()):
                break  # a child forked by a zygote, spinning in relu_forward (not a discovery's, done at once)
            time.sleep(0.2)
        else:
            pytest.fail("no sandbox child ever ran the looping submission")
        started = set(_descendants(grader.pid))
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        alive = {p: row for p, row in _processes().items() if p in started and row[1] not in ("Z", "X")}
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, [row[3][:120] for row in alive.values()]
    # what the killed graders could not remove, the next check does: their scratch folders
    killed = {grader.pid, *started}
    orphans = [f for f in Path(tempfile.gettempdir()).glob("gradgate-sandbox-*-*") if int(f.name.split("-")[2]) in killed]
    assert orphans, "the killed grader's children had no scratch folder"
    (tmp_path / "next" / "cy").mkdir(parents=True)
    (tmp_path / "next" / "cy" / "layers.py").write_text(_LOOPS.replace("while True:\n        pass", "return x, x"))
    subprocess.run([sys.executable, "-m", "gradgate", "grade", str(tmp_path / "next"), "--out", str(tmp_path / "out2"),
                    "--examples", "2"], capture_output=True, check=False, timeout=120)  # fmt: skip
    assert not [f for f in orphans if f.exists()]


def test_messages_say_what_happened(tmp_path: Path) -> None:
    sandbox = Sandbox(timeout=3, memory_mb=1024, forbid_imports=["torch"])
    messages = {}
    for name in ("infinite_loop", "os_exit", "segfault", "imports_the_harness", "uses_torch", "stray_processes"):
        report = run(_submission(tmp_path, name), examples=10, seed=0, timeout=3, executor=sandbox)
        messages[name] = next(r.message for r in report.results if r.gate != "relu")
    assert "timed out" in messages["infinite_loop"] and "in affine_backward" in messages["infinite_loop"]  # where it hung
    assert "exited with code 0" in messages["os_exit"]
    assert "SIGSEGV" in messages["segfault"]
    assert "gradgate" in messages["imports_the_harness"] and "not allowed" in messages["imports_the_harness"]
    assert "torch" in messages["uses_torch"]
    assert "not allowed" in messages["stray_processes"]


def test_monkeypatching_numpy_cannot_change_the_verdict(tmp_path: Path) -> None:
    report = run(_submission(tmp_path, "monkeypatched_numpy"), examples=20, seed=0, executor=Sandbox(timeout=5))
    affine = next(r for r in report.results if r.gate == "affine")
    assert affine.status is Status.FAIL and "differs from torch" in affine.message


def test_sandbox_verdicts_match_in_process(tmp_path: Path) -> None:
    """The same engine decides: same seed, same verdicts and minimal examples, whichever executor."""
    student = Path(__file__).resolve().parent / "mutants" / "affine__db_mean.py"
    inproc = run(student, examples=30, seed=5)
    boxed = run(student, examples=30, seed=5, executor=Sandbox(timeout=10))
    assert [(r.gate, r.status, r.message) for r in inproc.results] == [(r.gate, r.status, r.message) for r in boxed.results]
    assert inproc.results[0].counterexample == boxed.results[0].counterexample


@pytest.mark.parametrize(
    "name", ["mutants/FullyConnectedNet__options_not_implemented.py", "correct/FullyConnectedNet__gamma_beta_kept_2d.py"]
)
def test_sandboxed_models_are_judged_per_configuration_on_their_own_parameters(name: str) -> None:
    """A model's configurations, the option it does not implement and the parameters it keeps in its
    own shapes come out the same from the sandbox: the option and the notes cross the wire."""
    student = Path(__file__).resolve().parent / name
    inproc = run(student, examples=15, seed=2)
    boxed = run(student, examples=15, seed=2, executor=Sandbox(timeout=10))

    def verdicts(report: RunReport) -> list[tuple[object, ...]]:
        return [(r.implementation, r.configuration, r.status, r.message, r.advisories) for r in report.results]

    assert verdicts(boxed) == verdicts(inproc)
    assert {r.configuration for r in boxed.results} == {"plain", "dropout", "batchnorm", "layernorm"}
    assert any(r.advisories for r in boxed.results)


def test_each_child_draws_from_a_fresh_random_state(tmp_path: Path) -> None:
    """Children forked from one warm zygote do not share its random state: a submission's
    unseeded np.random (a dropout mask) differs from one implementation's child to the next."""
    (tmp_path / "draws.py").write_text(
        "import random\nimport numpy as np\nprint(np.random.rand(), random.random())\n"
        "def relu_forward(x):\n    return x, x\ndef relu_backward(dout, cache):\n    return dout\n"
    )
    printed = []
    for _ in range(2):
        child = _Child(tmp_path, 5.0, None, ())
        try:
            child.request({"op": "bind", "root": str(tmp_path), "objects": [["draws", "relu_forward"], ["draws", "relu_backward"]],
                           "source": str(tmp_path / "draws.py"), "convention": "layer pair", "differentiable": ["x"],
                           "outputs": 1, "backward_args": [], "steps": None})  # fmt: skip
            printed.append(child.printed.split())
        finally:
            child.close()
    assert all(len(p) == 2 for p in printed), printed
    assert printed[0][0] != printed[1][0] and printed[0][1] != printed[1][1]
