"""Where student code runs. The engine asks an executor to discover implementations and to bind
one to a spec; the battery then only sees the adapter interface. In-process here; the grading
sandbox (`checks.sandbox`) runs the same calls in isolated child processes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from gradgate.defaults import Timeout
from gradgate.gates.spec import GateSpec

from .adapters import Adapter, bind
from .discover import Candidate, Found, discover
from .guard import Guard


class Executor(Protocol):
    def discover(self, target: Path, timeout: Timeout) -> Found: ...

    def session(
        self, spec: GateSpec, candidate: Candidate, timeout: Timeout, roots: Sequence[Path]
    ) -> contextlib.AbstractContextManager[Adapter]: ...


class InProcess:
    """Imports and calls student code in this process (the student's own machine, the plugin)."""

    def discover(self, target: Path, timeout: Timeout) -> Found:
        return discover(target, timeout)

    @contextlib.contextmanager
    def session(self, spec: GateSpec, candidate: Candidate, timeout: Timeout, roots: Sequence[Path]) -> Iterator[Adapter]:
        yield bind(spec, spec.convention, Guard(timeout, tuple(roots)), candidate.objects)


IN_PROCESS = InProcess()
