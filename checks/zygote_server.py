"""The sandbox's zygote: a process that has imported numpy (and torch) once and forks a child per request.

Started by `checks.zygote` as `python -I -m gradgate.checks.zygote_server CONFIG`, under bubblewrap
where the sandbox has it, so every child it forks is without network too. A request on its socket
carries the child's two pipe ends and its config; the forked child takes its own process group,
dies with the zygote (PR_SET_PDEATHSIG), gets the rlimits, a fresh random state and its scratch
HOME, and becomes `sandbox_child.serve`. The zygote itself never runs student code: it forks,
reaps and reports exit statuses. When the grader closes the socket, it exits, and its children die.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import resource
import signal
import socket
import sys
from typing import Any

from gradgate.checks.zygote import die_with_parent

_MAX_REQUEST = 1 << 16


def _child(sock: socket.socket, parent: int, request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: become the sandbox child of one request. Never returns."""
    code = 1
    try:
        sock.close()  # student code may not ask the zygote for more processes
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setpgid(0, 0)  # killpg of this child takes whatever it starts
        die_with_parent()
        if os.getppid() != parent:  # the zygote died before prctl: no orphan
            os._exit(1)
        limits = request["limits"]
        if limits.get("as"):
            resource.setrlimit(resource.RLIMIT_AS, (limits["as"], limits["as"]))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 2**20, 64 * 2**20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"]))
        config = request["config"]
        os.environ["HOME"] = config["scratch"]
        # a fresh process's random state, not the zygote's copy shared by every child
        random.seed()
        import numpy as np

        np.random.seed()
        if "torch" in sys.modules:
            sys.modules["torch"].seed()
        from gradgate.checks import sandbox_child

        sandbox_child.serve({**config, "fds": fds})
        code = 0
    finally:
        os._exit(code)


def main() -> None:
    config = json.loads(sys.argv[1])
    sock = socket.socket(fileno=config["fd"])
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    die_with_parent()
    import numpy  # noqa: F401 - what every child needs, loaded once
    import numpy.random  # noqa: F401 - numpy imports it lazily: 11 ms in every child that seeds it, else

    for name in config.get("preload") or ():  # torch: its libraries cannot load once a child is locked down
        importlib.import_module(name)
    from gradgate.checks import sandbox_child  # noqa: F401 - the harness, imported before any lock

    reaped: dict[int, int] = {}

    def reap(signum: int, frame: Any) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            reaped[pid] = os.waitstatus_to_exitcode(status)

    signal.signal(signal.SIGCHLD, reap)
    me = os.getpid()
    sock.send(json.dumps({"ready": True}).encode())
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, _MAX_REQUEST, 4)
        except OSError:
            return
        if not data:
            return  # the grader is gone
        request = json.loads(data)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                _child(sock, me, request, fds)
            for fd in fds:
                os.close(fd)
            try:
                os.setpgid(pid, pid)  # as the child does itself: whichever runs first
            except OSError:
                pass  # it already did, or already exited
            reply: dict[str, Any] = {"pid": pid}
        else:  # status
            reply = {"code": reaped.pop(request["pid"], None)}  # asked until known, then forgotten
        sock.send(json.dumps(reply).encode())


if __name__ == "__main__":
    main()
