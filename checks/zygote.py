"""The grader's side of the zygote (`checks.zygote_server`): one warm process per preload, forking children.

A sandbox child used to be a fresh `python -I` under bubblewrap, importing numpy (and torch) every
time: 0.3-0.5 s and more per implementation. Forked from a zygote that has them loaded, a child is
ready in milliseconds and inherits its no-network namespace. `Forked` stands in for the Popen the
sandbox had: pid, poll, wait, returncode. The zygote dies with this process (bubblewrap's
--die-with-parent or its own PR_SET_PDEATHSIG) and its children die with it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

_PR_SET_PDEATHSIG = 1
STARTUP = 120.0  # seconds for a zygote to import torch on a busy machine
_POLL = 0.002  # seconds between exit-status questions while waiting for a child


def die_with_parent() -> None:
    """SIGKILL this process when the one that started it dies (Linux's PR_SET_PDEATHSIG), so that
    nothing the grader started outlives a grader that was killed."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)  # 9: SIGKILL


class ZygoteGone(Exception):
    """The zygote died or never started."""


class Zygote:
    def __init__(self, prefix: Sequence[str], preload: Sequence[str], env: Mapping[str, str]) -> None:
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.lock = threading.Lock()
        config = {"fd": theirs.fileno(), "preload": list(preload)}
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-I", "-m", "gradgate.checks.zygote_server", json.dumps(config)],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd="/", env=dict(env), start_new_session=True,
        )  # fmt: skip
        theirs.close()
        self.sock.settimeout(STARTUP)
        try:
            ready = self.sock.recv(1 << 16)
        except OSError:
            ready = b""
        self.sock.settimeout(None)
        if not ready:
            self.close()
            raise ZygoteGone("the sandbox's zygote process did not start")

    def ask(self, request: dict[str, Any], fds: Sequence[int] = ()) -> dict[str, Any]:
        with self.lock:
            try:
                socket.send_fds(self.sock, [json.dumps(request).encode()], list(fds))
                reply = self.sock.recv(1 << 16)
            except OSError:
                reply = b""
        if not reply:
            raise ZygoteGone("the sandbox's zygote process died")
        return json.loads(reply)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()  # the zygote exits when it reads the end of its socket
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Forked:
    """A child forked by a zygote, with the part of Popen's interface the sandbox uses."""

    def __init__(self, zygote: Zygote, config: dict[str, Any], limits: dict[str, int], fds: Sequence[int]) -> None:
        self.zygote = zygote
        self.pid: int = zygote.ask({"op": "spawn", "config": config, "limits": limits}, fds)["pid"]
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = self.zygote.ask({"op": "status", "pid": self.pid})["code"]
            except ZygoteGone:
                self.returncode = -9  # its zygote's death took it (PR_SET_PDEATHSIG is SIGKILL)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"sandbox child {self.pid}", timeout or 0)
            time.sleep(_POLL)
        return code


_ZYGOTES: dict[tuple[tuple[str, ...], tuple[str, ...]], Zygote] = {}
_LOCK = threading.Lock()


def zygote(prefix: Sequence[str], preload: Sequence[str], env: Mapping[str, str]) -> Zygote:
    """The warm zygote for this prefix and preload, started (or restarted, if it died) on demand."""
    key = (tuple(prefix), tuple(preload))
    with _LOCK:
        found = _ZYGOTES.get(key)
        if found is None or not found.alive():
            if found is not None:
                found.close()
            found = _ZYGOTES[key] = Zygote(prefix, preload, env)
        return found


def close_all() -> None:
    with _LOCK:
        for z in _ZYGOTES.values():
            z.close()
        _ZYGOTES.clear()


def _forget_after_fork() -> None:
    # a forked copy of the grader shares the parent's sockets: it starts zygotes of its own
    _ZYGOTES.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(close_all)
