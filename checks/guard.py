"""Calling student code: its exceptions, hangs, prints and numpy warnings become data, never ours.

Every call into student code goes through `call`. A raised exception (even SystemExit) becomes a
`StudentError` that names the exception and the student's line; a call that runs past the timeout
raises `StudentTimeout`, a BaseException so that hypothesis stops at once instead of shrinking an
input that takes minutes per try.
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .conventions import STAFF_MODULES
from .hints import fix

OUTPUT_CAP = 4000  # characters of a student's printed output kept for the report


class StudentError(Exception):
    """The student's code raised, or returned something that breaks the calling convention."""


class StudentAbort(BaseException):
    """Checking this implementation cannot go on (a hang, a crashed process). A BaseException, so
    that hypothesis stops at once instead of shrinking an input that costs minutes per try."""


class StudentTimeout(StudentAbort):
    """A call into student code ran past the timeout (an infinite loop, usually)."""


NOT_IMPLEMENTED = "not implemented"


class NotImplementedYet(StudentError):
    """The function is still the course's template: it raises NotImplementedError or returns None
    where a result belongs. Its message starts with NOT_IMPLEMENTED."""


class StaffUnavailable(StudentAbort):
    """The student's code called course-provided (staff) code that cannot run here: a fast_layers
    whose compiled im2col extension is missing, a staff module that does not import. Not the
    student's fault: the implementation is reported as not checked, with this reason."""


class Output:
    """What student code printed, truncated to OUTPUT_CAP characters."""

    def __init__(self) -> None:
        self.text = ""

    def add(self, text: str) -> None:
        if len(self.text) < OUTPUT_CAP:
            self.text = (self.text + text)[:OUTPUT_CAP]


def where(exc: BaseException, roots: tuple[Path, ...] = ()) -> str:
    """'file.py:12 in fn' for the deepest frame in the student's files (else the deepest frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = Path(__file__).resolve().parent.parent
    chosen = None
    for frame in frames:
        path = Path(frame.filename)
        if any(root in path.parents or path == root for root in roots):
            chosen = frame
        elif chosen is None and ours not in path.parents and "site-packages" not in frame.filename:
            chosen = frame
    if chosen is None and frames:
        chosen = frames[-1]
    if chosen is None:
        return ""
    from .notebook import where as in_notebook  # a notebook's lines are its cells' (checks.notebook)

    cell = in_notebook(chosen.filename, chosen.lineno or 0)
    if cell:
        return f"{cell} in {chosen.name}"
    return f"{Path(chosen.filename).name}:{chosen.lineno} in {chosen.name}"


def describe(exc: BaseException, roots: tuple[Path, ...] = ()) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    hint = fix(exc)
    if hint:
        text = text.splitlines()[0]  # numpy's removal notices run to several lines; the hint says it
    if isinstance(exc, SyntaxError):
        # its own text names the file and line; the frames are the import machinery's
        return f"{text} — {hint}" if hint else text
    at = where(exc, roots)
    text = f"{text} (at {at})" if at else text
    return f"{text} — {hint}" if hint else text


def _staff_frame(exc: BaseException, roots: tuple[Path, ...]) -> str | None:
    """'fast_layers.py:42' when the error was raised inside a course-provided module of the
    student's folder, for errors that mean that module cannot run here (a missing extension)."""
    if not isinstance(exc, (ImportError, NameError)):
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    path = Path(frames[-1].filename)
    if path.stem in STAFF_MODULES and any(root in path.resolve().parents for root in roots):
        return f"{path.name}:{frames[-1].lineno}"
    return None


@contextlib.contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    # SIGALRM interrupts pure-Python loops; it exists only on the main thread of POSIX systems,
    # elsewhere calls simply run without a limit.
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise StudentTimeout(f"timed out: still running after {seconds:g} s (an infinite loop?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Tee(io.TextIOBase):
    def __init__(self, sink: Output) -> None:
        self.sink = sink

    def write(self, text: str) -> int:
        self.sink.add(text)
        return len(text)


class Guard:
    """Calls into one implementation's code with one timeout, one output sink, one set of roots."""

    def __init__(self, timeout: float | None, roots: tuple[Path, ...] = ()) -> None:
        self.timeout = timeout
        self.roots = roots
        self.output = Output()

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        tee = _Tee(self.output)
        try:
            with (
                _alarm(self.timeout),
                contextlib.redirect_stdout(tee),
                contextlib.redirect_stderr(tee),
                warnings.catch_warnings(),
                np.errstate(all="ignore"),
            ):
                warnings.simplefilter("ignore")
                return fn(*args, **kwargs)
        except StudentAbort:
            raise
        except KeyboardInterrupt:
            raise
        except NotImplementedError as exc:
            at = where(exc, self.roots)
            raise NotImplementedYet(f"not implemented: raises NotImplementedError{f' (at {at})' if at else ''}") from None
        except BaseException as exc:  # SystemExit too: a student's exit() is a verdict, not our exit
            staff = _staff_frame(exc, self.roots)
            if staff:
                raise StaffUnavailable(f"course-provided code fails here ({staff}): {type(exc).__name__}: {exc}") from None
            raise StudentError(describe(exc, self.roots)) from None
        finally:
            sys.stdout.flush()
