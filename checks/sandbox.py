"""Grading sandbox: student code runs in isolated child processes, never in the grader.

Each discovery and each implementation's checking gets a fresh child, forked from a warm zygote
(`checks.zygote`) that has numpy and torch imported: a scratch working directory, a stripped
environment, limits on address space, CPU time, file size and core dumps, its own process group,
and no network where bubblewrap can take it away. The parent sends inputs and receives arrays in
the `checks.wire` format (JSON and raw array bytes, never pickle), runs the torch reference
and the finite differences on what comes back, and decides every verdict. A child that hangs,
crashes, exits or exhausts memory costs only the implementation it was running; its whole process
group is killed when that implementation is done, so nothing it started outlives it.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from gradgate.defaults import DEFAULT_TIMEOUT, Timeout, loading, timeout_json
from gradgate.gates.spec import GateSpec

import gradgate

from . import wire
from .zygote import Forked, ZygoteGone, zygote
from .adapters import Adapter
from .conventions import Convention, Era
from .discover import Candidate, Found, LoadError
from .results import Unchecked, UncheckedKind
from .planned import Backward, Call, Forward, Outputs, Prefetched
from .guard import Guard, StaffUnavailable, StudentAbort, StudentError, StudentRaised, StudentTimeout

GRACE = 5.0  # seconds past the call timeout before the parent kills a child that did not answer
REAPED = 5.0  # seconds, at most, for a killed child's whole process group to be gone
_HARNESS = tuple(
    str(Path(p).resolve())
    for p in {Path(gradgate.__file__).parent, Path(__file__).parent, Path(__file__).parent.parent / "gates"}
    | {Path(str(sys.modules["gradgate.gates"].__file__)).parent}
)
_PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL")
_ENV = {
    "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "NEEDLE_BACKEND": "np",  # CMU 10-714's needle on numpy: checks.tensor_op
    **{k: os.environ[k] for k in _PASSED_ENV if k in os.environ},
}  # fmt: skip  (each child's HOME is its scratch folder)


def _bwrap() -> list[str]:
    """bubblewrap's prefix that takes the network away, where it is installed and works here."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return []
    prefix = [bwrap, "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--"]
    try:
        ok = subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return prefix if ok else []


_BWRAP: list[str] | None = None
_SCRATCH = "gradgate-sandbox-"  # then the grader's pid: a folder of a grader that is gone is swept


def _sweep_orphans() -> None:
    """Remove the scratch folders of graders killed before they could (SIGKILL, a lost machine)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_SCRATCH}*-*"):
        pid = folder.name[len(_SCRATCH) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            if folder.stat().st_uid == os.getuid():
                shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether pid is a process still running: a zombie has exited, only nobody has reaped it yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc to read: signal 0 tells a live pid (a zombie reads as alive)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # alive, only not ours
        return True
    return stat.rpartition(")")[2].split()[:1] not in (["Z"], ["X"])  # the state follows the command's ")"


def _death(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = {"SIGSEGV": " (a segmentation fault)", "SIGKILL": " (out of memory, or killed)", "SIGXCPU": " (CPU time limit)",
               "SIGXFSZ": " (file size limit)", "SIGABRT": " (aborted)"}.get(name, "")
        return f"the process was killed by {name}{why}"
    return f"the process exited with code {code} (sys.exit or os._exit in student code?)"


def _cell(value: Any) -> dict[str, Any] | None:
    """A candidate's notebook cell from the child: plain integers only (the child is untrusted)."""
    if not isinstance(value, dict):
        return None
    count = value.get("execution_count")
    index, line = value.get("index"), value.get("line")
    if not (isinstance(index, int) and isinstance(line, int) and (count is None or isinstance(count, int))):
        return None
    return {"index": index, "execution_count": count, "line": line}


class _Child:
    """One child process and its two pipes."""

    def __init__(self, root: Path, timeout: Timeout, memory_mb: int | None, forbidden: Sequence[str], torch: bool = False) -> None:
        global _BWRAP
        if _BWRAP is None:
            _BWRAP = _bwrap()
            _sweep_orphans()
        self.timeout = loading(timeout)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{_SCRATCH}{os.getpid()}-"))
        req_r, self.req_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        config = {
            "scratch": str(self.scratch),
            "root": str(root),
            "timeout": timeout_json(timeout),  # the policy: the child's guard says which limit stopped a call
            "forbidden": sorted({"gradgate", *forbidden}),
            "harness": list(_HARNESS),
        }
        limits = {"as": (memory_mb or 0) * 2**20, "cpu": int(max(600, 20 * (self.timeout or 60)))}
        # torch's compiled libraries cannot be loaded once the child is locked down (ctypes.dlopen):
        # torch-tensor code (UMich EECS 498) forks from a zygote that has it, unless the grader forbids it
        preload = ("torch",) if torch and "torch" not in forbidden else ()
        try:
            try:
                self.proc = Forked(zygote(_BWRAP, preload, _ENV), config, limits, (req_r, resp_w))
            except ZygoteGone:  # it died since the last child (killed, out of memory): once more, fresh
                self.proc = Forked(zygote(_BWRAP, preload, _ENV), config, limits, (req_r, resp_w))
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        finally:
            os.close(req_r)
            os.close(resp_w)
        self.printed = ""
        self.notes: list[tuple[str, str, str]] = []  # the child adapter's notes for advisories

    def request(self, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send one request and wait for its answer; a dead or silent child raises StudentAbort."""
        limit = timeout if timeout is not None else self.timeout
        try:
            wire.write_frame(self.req_w, message)
            ready, _, _ = select.select([self.resp_r], [], [], None if limit is None else limit + GRACE)
            if not ready:
                self.kill()
                raise StudentTimeout(f"timed out: no answer after {limit:g} s (an infinite loop?)")
            response = wire.read_frame(self.resp_r)
        except (wire.WireError, BrokenPipeError) as exc:
            # The channel closed: let the process finish dying so its exit status says how.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=2)
            self.kill()
            if isinstance(exc, wire.WireError) and "closed" not in str(exc):
                raise StudentAbort(f"the process sent a malformed answer: {exc}") from None
            raise StudentAbort(_death(self.proc.returncode)) from None
        self.printed = str(response.pop("printed", self.printed))
        notes = response.pop("notes", None)
        if isinstance(notes, list):  # (kind, about, message) strings, and only those: the judging is ours
            self.notes = [(str(n[0]), str(n[1]), str(n[2])) for n in notes if isinstance(n, (list, tuple)) and len(n) == 3]
        if "abort" in response:
            self.kill()
            raise (StudentTimeout if "timed out" in str(response["abort"]) else StudentAbort)(str(response["abort"]))
        if "staff" in response:
            raise StaffUnavailable(str(response["staff"]))
        return self.answered(response)

    @staticmethod
    def answered(response: dict[str, Any]) -> dict[str, Any]:
        """A call's answer, or the student's error it was (a request's, or a planned step's)."""
        if "error" in response:
            raise (StudentRaised if response.get("raised") else StudentError)(str(response["error"]))
        return response

    def kill(self) -> None:
        # The whole group: whatever the child started goes with it (bubblewrap's child included).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        # bubblewrap's own child dies after it on a busy machine: gone before we go on, not after
        # (no process left in the group at all is the common case, and costs no scan of /proc)
        deadline = time.monotonic() + REAPED
        while _group_exists(self.proc.pid) and _running_in_group(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    def close(self) -> None:
        self.kill()
        for fd in (self.req_w, self.resp_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.scratch, ignore_errors=True)


def _group_exists(pgid: int) -> bool:
    """Whether any process, a zombie included, is left in the group (signal 0 only asks)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, only not ours to signal
    return True


def _running_in_group(pgid: int) -> bool:
    """Whether a process of the group still runs (a zombie, waiting to be reaped, does not)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()  # after "pid (comm)": state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def _write_back(target: Any, value: Any) -> None:
    """Make the parent's argument look as the child left it, so mutation checks see the change."""
    if isinstance(target, np.ndarray) and isinstance(value, np.ndarray):
        if target.shape == value.shape:
            np.copyto(target, value, casting="unsafe")
        else:
            target.resize(value.shape, refcheck=False)
            np.copyto(target, value, casting="unsafe")
    elif isinstance(target, dict) and isinstance(value, dict):
        target.clear()
        target.update(value)


@dataclass
class RemoteAdapter(Adapter):
    """The adapter interface, answered by a child process that holds the student's objects."""

    child: _Child = field(default=None)  # type: ignore[assignment]
    # The caller's arguments of each forward, by state: a backward that changes them in the child
    # (through its cache) changes them here too, as it would in process.
    sent: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    drawn: dict[int, Any] = field(default_factory=dict)  # per forward state: what it drew itself (masks)
    prefetched: Prefetched = field(default_factory=Prefetched)  # the child's answers to the battery's plan

    def expect(self, sizes: Mapping[str, Any], calls: Sequence[Call]) -> None:
        self.prefetched = Prefetched()
        if not calls:
            return
        count = sum(len(c.many) if isinstance(c, Outputs) else 1 for c in calls)
        limit = self.guard.limit
        response = self.child.request(
            {"op": "plan", "steps": [_step(c) for c in calls], **self._configured(sizes)}, None if limit is None else limit * count
        )
        answers = response.get("steps")
        if not (isinstance(answers, list) and len(answers) == len(calls) and all(isinstance(a, dict) for a in answers)):
            raise StudentError("the answers to an example's calls did not come back")
        self.prefetched = Prefetched(calls, answers)

    def _ask(self, call: Call, request: dict[str, Any], limit: float | None) -> dict[str, Any]:
        """The planned answer to this call if it is the next one planned, else the child's live one."""
        planned = self.prefetched.take(call)
        return self.child.answered(planned) if planned is not None else self.child.request(request, limit)

    def _configured(self, sizes: Mapping[str, Any]) -> dict[str, Any]:
        construct = dict(self.spec.construct(sizes)) if self.spec.construct else None
        option = self.spec.option(sizes)
        return {"sizes": dict(sizes), "construct": construct, "option": list(option) if option is not None else None, "limit": self.guard.limit}

    def forward(self, args: Mapping[str, Any], sizes: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
        call = Forward(args)
        response = self._ask(call, {**_step(call), **self._configured(sizes)}, self.guard.limit)
        for k, v in response["args"].items():
            _write_back(args[k], v)
        out = response["out"]
        if not isinstance(out, np.ndarray):
            raise StudentError(f"forward's output did not come back as an array ({type(out).__name__})")
        self.sent[response["state"]] = args
        observed = response.get("observed") or {}
        if not all(isinstance(v, np.ndarray) for v in observed.values()):
            raise StudentError("what forward drew itself (its masks) did not come back as arrays")
        self.drawn[response["state"]] = observed
        return out, response["state"]

    def observed(self, state: Any) -> Mapping[str, np.ndarray]:
        return self.drawn.get(state, {})

    def outputs(self, many: Sequence[Mapping[str, Any]], sizes: Mapping[str, Any]) -> list[np.ndarray]:
        limit = self.guard.limit
        call = Outputs(many)
        response = self._ask(call, {**_step(call), **self._configured(sizes)}, None if limit is None else limit * len(many))
        outs = response["outs"]
        if not (isinstance(outs, list) and len(outs) == len(many) and all(isinstance(o, np.ndarray) for o in outs)):
            raise StudentError("forward's outputs did not come back as arrays")
        return outs

    def backward(self, dout: np.ndarray, state: Any) -> tuple[Any, ...]:
        call = Backward(dout, state)
        response = self._ask(call, {**_step(call), "limit": self.guard.limit}, self.guard.limit)
        _write_back(dout, response["dout"])
        args = self.sent.get(state, {})
        for k, v in response.get("args", {}).items():
            if k in args:
                _write_back(args[k], v)
        return tuple(response["grads"])

    def printed(self) -> str:
        return self.child.printed

    def noted(self) -> list[tuple[str, str, str]]:
        return list(self.child.notes)


def _step(call: Call) -> dict[str, Any]:
    """A call as the child's request (a plan's step, or a request of its own)."""
    if isinstance(call, Forward):
        return {"op": "forward", "args": dict(call.args)}
    if isinstance(call, Backward):
        return {"op": "backward", "dout": call.dout, "state": call.state}
    return {"op": "outputs", "many": [dict(a) for a in call.many]}


_TORCH_IMPORT = re.compile(r'^\s*"?\s*(?:import|from)\s+torch\b', re.MULTILINE)  # a notebook's source lines are quoted


def _imports_torch(target: Path, limit: int = 200) -> bool:
    """Whether a Python file or notebook of the target imports torch (read as text, never run)."""
    files = [target] if target.is_file() else [*target.rglob("*.py"), *target.rglob("*.ipynb")]
    for n, path in enumerate(files):
        if n >= limit:
            break
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if _TORCH_IMPORT.search(text):
            return True
    return False


class Sandbox:
    """An Executor that never imports student code into this process."""

    def __init__(self, timeout: Timeout = DEFAULT_TIMEOUT, memory_mb: int | None = None, forbid_imports: Sequence[str] = ()) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.forbid_imports = tuple(forbid_imports)

    def _child(self, root: Path, timeout: Timeout, torch: bool = False) -> _Child:
        return _Child(root, timeout, self.memory_mb, self.forbid_imports, torch)

    def discover(self, target: Path, timeout: Timeout) -> Found:
        target = Path(target).resolve()
        if not target.exists():
            raise LoadError(f"{target} does not exist")
        root = target if target.is_dir() else target.parent
        child = self._child(root, timeout, _imports_torch(target))
        try:
            # Importing every module can take a while: the whole discovery gets a few call timeouts.
            response = child.request({"op": "discover", "target": str(target)}, None if child.timeout is None else 4 * child.timeout)
        except (StudentError, StudentAbort) as exc:
            raise LoadError(f"{target} could not be loaded: {exc}") from None
        finally:
            child.close()
        if "load_error" in response:
            raise LoadError(str(response["load_error"]))
        return Found(
            candidates=[
                Candidate(
                    c["name"], Convention(c["convention"]), tuple(tuple(o) for o in c["objects"]), c["label"], c["source"],
                    tuple(c["parameters"]) if c["parameters"] is not None else None,
                    _cell(c.get("cell")),
                    arity=tuple(c["arity"]) if c["arity"] is not None else None,  # type: ignore[arg-type]
                    methods=tuple(c["methods"]) if c.get("methods") is not None else None,
                    tensors=c.get("tensors") is True,
                    torch_module=c.get("torch_module") is True,
                    era=Era(c["era"]) if c.get("era") else None,
                )
                for c in response["candidates"]
            ],
            broken=[tuple(b) for b in response["broken"]],  # type: ignore[misc]
            incomplete=[Unchecked(n, f, r, UncheckedKind(k)) for n, f, r, k in response["incomplete"]],
            roots=tuple(Path(r) for r in response["roots"]),
        )

    @contextlib.contextmanager
    def session(self, spec: GateSpec, candidate: Candidate, timeout: Timeout, roots: Sequence[Path]) -> Iterator[Adapter]:
        # the deepest root holding the source: a needle package's python/ folder beside its homework's
        source = Path(candidate.source).resolve()
        holding = [r for r in roots if r == source or Path(r).resolve() in source.parents]
        root = max(holding, key=lambda r: len(Path(r).resolve().parts)) if holding else roots[0] if roots else Path(candidate.source).parent
        # numpy code in a module that imports torch needs torch loaded as much as torch code does
        child = self._child(root, timeout, spec.tensors or _imports_torch(Path(candidate.source)))
        try:
            child.request({
                "op": "bind",
                "root": str(root),
                "objects": [list(o) for o in candidate.objects],
                "source": candidate.source,
                "convention": spec.convention.value,
                "differentiable": list(spec.differentiable),
                "outputs": spec.outputs,
                "backward_args": list(spec.backward_args),
                "steps": spec.steps.plain() if spec.steps is not None else None,
                "tensors": spec.tensors,
                "stateful": spec.stateful.plain() if spec.stateful is not None else None,
            })
            yield RemoteAdapter(spec, Guard(timeout), child=child)
        finally:
            child.close()
