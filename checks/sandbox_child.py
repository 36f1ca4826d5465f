"""The sandbox's child: imports and calls student code, answers the parent over a pipe.

Forked by the sandbox's zygote (`checks.zygote_server`), which has numpy (and torch) loaded and
its standard streams closed. Before any student code runs it moves into a scratch folder and installs an audit
hook (which Python code cannot remove) that refuses: importing the harness or the banned modules,
reading the harness's files, writing outside the scratch folder, starting processes, signals,
sockets and ctypes. It sends back raw results only; every verdict is the parent's.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from gradgate.checks import adapters, discover, guard, notebook, staff, wire
from gradgate.defaults import Adaptive, loading
from gradgate.checks.conventions import Convention, Option, Stateful, Steps
from gradgate.checks.mytorch import course_paths

_DENIED_EVENTS = (
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "os.kill", "os.killpg", "pty.spawn", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.addressof", "ctypes.call_function", "ctypes.cdata",
    "os.chmod", "os.chown", "os.setuid", "os.setgid", "resource.setrlimit", "os.putenv",
    "sys._current_frames",
)  # fmt: skip
_PATH_EVENTS = {"os.remove": 0, "os.rename": 0, "os.rmdir": 0, "os.mkdir": 0, "os.truncate": 0,
                "os.link": 1, "os.symlink": 1, "os.utime": 0, "shutil.rmtree": 0, "shutil.move": 1,
                "shutil.copyfile": 1}  # fmt: skip
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _inside(path: Any, roots: tuple[Path, ...]) -> bool:
    if isinstance(path, int):
        return False
    try:
        real = Path(os.fsdecode(path)).resolve()
    except (OSError, ValueError, TypeError):
        return False
    return any(real == r or r in real.parents for r in roots)


def lock_down(forbidden: set[str], harness: tuple[Path, ...], scratch: Path, student: Path) -> None:
    """Install the audit hook. From here on the rules hold for this process's whole life."""
    scratch_roots = (scratch.resolve(),)
    own = (student.resolve(),)  # a submission kept inside the grader's tree still reads its own files

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "import":
            top = str(args[0]).split(".")[0]
            if top in forbidden:
                raise ImportError(f"importing {args[0]} is not allowed while grading")
        elif event == "open":
            path, mode, flags = args
            writing = any(c in str(mode or "") for c in "wax+") or bool((flags or 0) & _WRITE_FLAGS)
            if _inside(path, harness) and not _inside(path, own):
                raise PermissionError(f"reading the grader's files is not allowed: {path}")
            if writing and not isinstance(path, int) and not _inside(path, scratch_roots):
                raise PermissionError(f"writing outside the scratch folder is not allowed: {path}")
        elif event in _PATH_EVENTS:
            path = args[_PATH_EVENTS[event]] if len(args) > _PATH_EVENTS[event] else None
            if path is not None and not _inside(path, scratch_roots):
                raise PermissionError(f"{event} outside the scratch folder is not allowed")
        elif event.startswith(_DENIED_EVENTS):
            raise PermissionError(f"{event} is not allowed while grading")

    sys.addaudithook(hook)


class _Shim:
    """What an adapter needs of a spec; the parent sends it."""

    def __init__(self, differentiable: list[str], outputs: int, backward_args: list[str], steps: dict[str, Any] | None,
                 tensors: bool = False, stateful: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.tensors = tensors
        self.stateful = Stateful.from_plain(stateful) if stateful is not None else None
        self.differentiable = tuple(differentiable)
        self.outputs = outputs
        self.backward_args = tuple(backward_args)
        self.steps = Steps.from_plain(steps) if steps is not None else None
        self.kwargs: dict[str, Any] = {}
        self.construct = lambda sizes: self.kwargs  # the parent's constructor arguments, sent per call
        self.configured: Option | None = None  # the parent's configuration option, sent per call

    def option(self, sizes: Any) -> Option | None:
        return self.configured


class Child:
    def __init__(self, config: dict[str, Any]) -> None:
        policy = config["timeout"]
        timeout = Adaptive(**policy) if isinstance(policy, dict) else policy
        self.timeout = loading(timeout)
        self.guard = guard.Guard(timeout, (Path(config["root"]).resolve(),))
        self.adapter: adapters.Adapter | None = None
        self.shim: _Shim | None = None
        self.states: dict[int, Any] = {}
        self.staff = contextlib.ExitStack()

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request["op"]
        if op == "discover":
            return self._discover(Path(request["target"]))
        if op == "bind":
            return self._bind(request)
        assert self.adapter is not None and self.shim is not None, "bind first"
        if request.get("limit") is not None:  # the parent's limit for this input (checks.time_limit)
            self.guard.limit = float(request["limit"])
        # the parent's constructor arguments and configuration option, sent with every forward
        self.shim.kwargs = dict(request.get("construct") or {})
        option = request.get("option")
        self.shim.configured = Option(str(option[0]), str(option[1]), tuple(option[2])) if option else None
        if op == "plan":  # the rest of an example's calls, in order, in one round trip (checks.planned)
            return {"steps": [self._planned(step, request["sizes"]) for step in request["steps"]]}
        return self._step(request, request.get("sizes"))

    def _planned(self, step: dict[str, Any], sizes: Any) -> dict[str, Any]:
        """A plan's step: its error is its own answer (the parent raises it when that call comes),
        and what it returned and left is kept as it was then: a later step may change it in place
        (a backward that reuses its buffers) before the answers are sent."""
        try:
            return _snapshot(self._step(step, sizes))
        except guard.StudentError as exc:
            return {"error": str(exc), "raised": isinstance(exc, guard.StudentRaised)}

    def _step(self, request: dict[str, Any], sizes: Any) -> dict[str, Any]:
        assert self.adapter is not None
        op = request["op"]
        if op == "outputs":  # finite differences' forwards, in order, in one round trip
            return {"outs": self.adapter.outputs(request["many"], sizes)}
        if op == "forward":
            args = request["args"]
            out, state = self.adapter.forward(args, sizes)
            self.states[len(self.states)] = (state, args)
            return {"out": out, "state": len(self.states) - 1, "args": args, "observed": dict(self.adapter.observed(state))}
        if op == "backward":
            dout = request["dout"]
            state, args = self.states[request["state"]]
            grads = self.adapter.backward(dout, state)
            # the forward's arguments as backward left them (its cache holds them: a change shows)
            return {"grads": tuple(grads), "dout": dout, "args": args}
        raise ValueError(f"unknown op {op!r}")

    def _discover(self, target: Path) -> dict[str, Any]:
        try:
            found = discover.discover(target, self.timeout)
        except discover.LoadError as exc:
            return {"load_error": str(exc)}
        return {
            "candidates": [
                {
                    "name": c.name,
                    "convention": c.convention.value,
                    "label": c.label,
                    "source": c.source,
                    "objects": [[o.__module__, o.__qualname__] for o in c.objects],
                    "parameters": list(c.parameters) if c.parameters is not None else None,
                    "cell": c.cell,
                    "arity": list(c.arity) if c.arity is not None else None,
                    "methods": list(c.methods) if c.methods is not None else None,
                    "tensors": c.tensors,
                    "torch_module": c.torch_module,
                    "era": c.era.value if c.era is not None else None,
                }
                for c in found.candidates
            ],
            "broken": [list(b) for b in found.broken],
            "incomplete": [[u.name, u.source, u.reason, u.kind.value] for u in found.incomplete],
            "roots": [str(r) for r in found.roots],
        }

    def _bind(self, request: dict[str, Any]) -> dict[str, Any]:
        root = request["root"]
        sys.path.insert(0, root)
        sys.path.extend(course_paths(Path(root)))  # as discovery has them (CMU 11-785's sibling imports)
        # Staff stand-ins as in discovery, for this child's whole life: a composite calls them later.
        self.staff.enter_context(staff.staff_fallback(Path(root)))
        objects = []
        for module_name, qualname in request["objects"]:
            source = Path(request.get("source") or "")
            if source.suffix == ".ipynb" and module_name not in sys.modules:
                notebook.load(source, module_name, self.guard)  # a notebook is no importable module
            obj: Any = self.guard.call(importlib.import_module, module_name)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            objects.append(obj)
        self.shim = _Shim(request["differentiable"], request["outputs"], request.get("backward_args") or [], request.get("steps"),
                          request.get("tensors") is True, request.get("stateful"))
        self.adapter = adapters.bind(self.shim, Convention(request["convention"]), self.guard, objects)
        return {}


def _snapshot(value: Any) -> Any:
    """A copy of the arrays in what crosses the wire, as it is now (other objects travel by their
    type's name only): copying never calls the student's code."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) is tuple:
        return tuple(_snapshot(v) for v in value)
    if type(value) is list:
        return [_snapshot(v) for v in value]
    if type(value) is dict:
        return {k: _snapshot(v) for k, v in value.items()}
    return value


def serve(config: dict[str, Any]) -> None:
    """Answer the parent's requests until it closes the channel (stdio is /dev/null already)."""
    requests, responses = config["fds"]
    scratch = Path(config["scratch"])
    os.chdir(scratch)
    harness = tuple(Path(p).resolve() for p in config["harness"])
    lock_down(set(config["forbidden"]), harness, scratch, Path(config["root"]))
    child = Child(config)
    while True:
        try:
            request = wire.read_frame(requests)
        except wire.WireError:
            return  # the parent is gone
        try:
            response = child.handle(request)
        except guard.StudentError as exc:
            response = {"error": str(exc), "raised": isinstance(exc, guard.StudentRaised)}
        except guard.StaffUnavailable as exc:  # before StudentAbort, its base: not the student's doing
            response = {"staff": str(exc)}
        except guard.StudentAbort as exc:
            response = {"abort": str(exc)}
        except Exception as exc:  # a bug of ours: say so, never blame the student silently
            response = {"abort": f"internal error in the sandbox: {type(exc).__name__}: {exc}"}
        response["printed"] = child.guard.output.text
        response["notes"] = [list(n) for n in child.adapter.notes] if child.adapter is not None else []
        wire.write_frame(responses, response)
