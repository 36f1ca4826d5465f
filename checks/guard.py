"""Calling student code: its exceptions, hangs, prints and numpy warnings become data, never ours.

Every call into student code goes through `call`. A raised exception (even SystemExit) becomes a
`StudentError` that names the exception and the student's line; a call that runs past the timeout
raises `StudentTimeout`, a BaseException so that hypothesis stops at once instead of shrinking an
input that takes minutes per try.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import re
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gradgate.defaults import Adaptive, Timeout, loading

from .conventions import STAND_IN_PACKAGES, is_staff
from .hints import fix

OUTPUT_CAP = 4000  # characters of a student's printed output kept for the report


class StudentError(Exception):
    """The student's code raised, or returned something that breaks the calling convention."""


class StudentRaised(StudentError):
    """The student's code itself raised (as opposed to returning what breaks the convention);
    `file` is the student's file it was raised in, where known."""

    file: str | None = None


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


class OwnDesign(StaffUnavailable):
    """The student's code follows a design of its own that the registry cannot map (a model whose
    params are named {('W', 0): ...}): not checked, with the reason, never the student's error."""


class Output:
    """What student code printed, truncated to OUTPUT_CAP characters."""

    def __init__(self) -> None:
        self.text = ""

    def add(self, text: str) -> None:
        if len(self.text) < OUTPUT_CAP:
            self.text = (self.text + text)[:OUTPUT_CAP]


OURS = Path(__file__).resolve().parent.parent  # gradgate's own package: never where a student's error is


def student_frame(exc: BaseException, roots: tuple[Path, ...] = ()) -> traceback.FrameSummary | None:
    """The deepest frame in the student's files, else the first outside gradgate and installed
    packages; None when every frame is gradgate's or a library's (a call that failed on binding its
    arguments, a TypeError raised before the student's first line)."""
    return _pick(traceback.extract_tb(exc.__traceback__), roots)


def _pick(frames: Iterable[traceback.FrameSummary], roots: tuple[Path, ...]) -> traceback.FrameSummary | None:
    chosen = None
    for frame in frames:
        path = Path(frame.filename)
        if any(root in path.parents or path == root for root in roots):
            chosen = frame
        elif chosen is None and OURS not in path.resolve().parents and "site-packages" not in frame.filename and not frame.filename.startswith("<frozen"):
            chosen = frame
    return chosen


def where(exc: BaseException, roots: tuple[Path, ...] = ()) -> str:
    """'file.py:12 in fn' for the student's frame (see `student_frame`), '' if there is none."""
    return _located(student_frame(exc, roots))


def _located(chosen: traceback.FrameSummary | None) -> str:
    if chosen is None:
        return ""
    from .notebook import where as in_notebook  # a notebook's lines are its cells' (checks.notebook)

    cell = in_notebook(chosen.filename, chosen.lineno or 0)
    if cell:
        return f"{cell} in {chosen.name}"
    return f"{Path(chosen.filename).name}:{chosen.lineno} in {chosen.name}"


def _still_none(exc: BaseException, roots: tuple[Path, ...]) -> str | None:
    """"out is still the template's None at `out = out.astype(...)` (layers.py:12 in ...)" when the
    student's code used an attribute of a variable its own function set to None and never assigned
    (the 2022+ dropout template: `out = None` ... `out = out.astype(x.dtype, copy=False)`), used such
    a name in arithmetic (DLS's `cost = cross_entropy_cost + L2_regularization_cost`), or unpacked the
    template's None itself (DLS's `Z, linear_cache = None`); else None."""
    frame = student_frame(exc, roots)
    if frame is None or not frame.line:
        return None
    at = f"({Path(frame.filename).name}:{frame.lineno} in {frame.name})"
    if isinstance(exc, TypeError) and "cannot unpack non-iterable NoneType" in str(exc):
        if re.fullmatch(r"\(?\s*\w+(?:\s*,\s*\w+)+\s*,?\s*\)?\s*=\s*None\s*(?:#.*)?", frame.line.strip()):
            return f"`{frame.line.strip().split('#')[0].strip()}` is still the template's {at}"
        return None
    # A name whose value the line reads (in arithmetic, in the template's own assert of a blank:
    # DLS's `cost = None`, `cost = np.squeeze(cost)`, `assert(isinstance(cost, float))`) is judged
    # by its last assignments; one whose attribute it reads, by whether the function set it to None.
    if isinstance(exc, TypeError) and "NoneType" in str(exc):
        by_value, names = True, re.findall(r"\b[A-Za-z_]\w*\b", frame.line.split("=", 1)[-1])
    elif isinstance(exc, AssertionError) and frame.line.lstrip().startswith("assert"):
        by_value, names = True, re.findall(r"\b[A-Za-z_]\w*\b", frame.line)
    elif isinstance(exc, AttributeError) and getattr(exc, "obj", exc) is None:
        by_value, names = False, re.findall(rf"(\w+)\.{re.escape(exc.name or '')}\b", frame.line)[:1]
    else:
        return None
    body = _body_before(exc, frame)
    if body is None:
        return None
    for name in dict.fromkeys(names):
        if _template_none(name, body) if by_value else _set_to_none(name, body):
            return f"{name} is still the template's None at `{frame.line.strip()}` {at}"
    return None


def _body_before(exc: BaseException, frame: traceback.FrameSummary) -> list[str] | None:
    """The lines of the function `frame` is in, from its first up to the failing one."""
    tb = exc.__traceback__
    while tb is not None and not (tb.tb_frame.f_code.co_filename == frame.filename and tb.tb_lineno == frame.lineno):
        tb = tb.tb_next
    if tb is None or frame.lineno is None:
        return None
    return [linecache.getline(frame.filename, n) for n in range(tb.tb_frame.f_code.co_firstlineno, frame.lineno)]


def _template_none(name: str, lines: list[str]) -> bool:
    """Whether `name` still holds the template's None after `lines`: its last assignment alone is
    `= None`, or only recomputes it from itself since (`cost = np.squeeze(cost)`)."""
    none = False
    for line in lines:
        found = re.match(rf"\s*{name}\s*=(?!=)\s*(.*?)\s*(?:#.*)?$", line)
        if found:
            value = found.group(1)
            none = value == "None" or (none and re.search(rf"\b{name}\b", value) is not None)
    return none


def _set_to_none(name: str, lines: list[str]) -> bool:
    """Whether one of `lines` sets `name` to None: `out = None`, or `dx` among `dx, dw, db = None,
    None, None`."""
    return any(re.match(rf"\s*(?:\w+\s*,\s*)*{name}\s*(?:,\s*\w+\s*)*=\s*None\b", line) for line in lines)


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


def _stand_in_package(exc: BaseException) -> str | None:
    """An import inside the student's function (`from scipy.special import erf` in GELU.forward) of
    a package that is not installed here and that the courses use for what gradgate does not check:
    not checked, as the same import at the module's top is (checks.staff)."""
    name = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    top = name.partition(".")[0] if isinstance(name, str) else ""
    if top not in STAND_IN_PACKAGES:
        return None
    return f"imports {name}, which is not installed here ({STAND_IN_PACKAGES[top]})"


def _staff_frame(exc: BaseException, roots: tuple[Path, ...]) -> str | None:
    """'fast_layers.py:42' when the error was raised inside a course-provided module of the
    student's folder, for errors that mean that module cannot run here (a missing extension)."""
    if not isinstance(exc, (ImportError, NameError)):
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    path = Path(frames[-1].filename)
    # a notebook named as a course module (features.ipynb beside features.py) is the student's own
    if path.suffix == ".py" and is_staff(path.stem) and any(root in path.resolve().parents for root in roots):
        return f"{path.name}:{frames[-1].lineno}"
    return None


@contextlib.contextmanager
def _alarm(seconds: float | None, roots: tuple[Path, ...], adaptive: bool = False) -> Iterator[None]:
    # SIGALRM interrupts pure-Python loops; it exists only on the main thread of POSIX systems,
    # elsewhere calls simply run without a limit.
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        # the line it was on when time ran out: which function hung (a backward, not its forward)
        at = _located(_pick(traceback.extract_stack(frame), roots))
        raise StudentTimeout(timed_out(seconds, at, adaptive))

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed_out(seconds: float | None, at: str, adaptive: bool) -> str:
    """The message of a call stopped after `seconds`, at the student's line `at`."""
    # a correct but slow implementation must know how to get more time, not just that it lost
    why = "the limit follows the reference's time on this input; --timeout S sets a fixed one" if adaptive else "--timeout S allows longer"
    return f"timed out: still running after {seconds:g} s{f' at {at}' if at else ''} (an infinite loop? {why})"


class _Tee(io.TextIOBase):
    def __init__(self, sink: Output) -> None:
        self.sink = sink

    def write(self, text: str) -> int:
        self.sink.add(text)
        return len(text)


class Guard:
    """Calls into one implementation's code with one timeout, one output sink, one set of roots.

    `timeout` is the policy; `limit` the seconds each call may take now. Under an adaptive policy
    the battery sets `limit` from the reference's time on each input (checks.battery); until then,
    and for what no reference times (imports, constructors), it is the policy's ceiling."""

    def __init__(self, timeout: Timeout, roots: tuple[Path, ...] = ()) -> None:
        self.timeout = timeout
        self.limit = loading(timeout)
        self.roots = roots
        self.output = Output()

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        tee = _Tee(self.output)
        try:
            with (
                _alarm(self.limit, self.roots, isinstance(self.timeout, Adaptive)),
                contextlib.redirect_stdout(tee),
                contextlib.redirect_stderr(tee),
                warnings.catch_warnings(),
                np.errstate(all="ignore"),
            ):
                warnings.simplefilter("ignore")
                return fn(*args, **kwargs)
        except (StudentAbort, StudentError):
            raise  # an adapter's own finding inside a guarded call (checks.scalar_engine), or a nested call's
        except KeyboardInterrupt:
            raise
        except NotImplementedError as exc:
            at = where(exc, self.roots)
            raise NotImplementedYet(f"not implemented: raises NotImplementedError{f' (at {at})' if at else ''}") from None
        except BaseException as exc:  # SystemExit too: a student's exit() is a verdict, not our exit
            template = _still_none(exc, self.roots)
            if template:
                raise NotImplementedYet(f"not implemented: {template}") from None
            missing = _stand_in_package(exc)
            if missing:
                raise StaffUnavailable(missing) from None
            staff = _staff_frame(exc, self.roots)
            if staff:
                raise StaffUnavailable(f"course-provided code fails here ({staff}): {type(exc).__name__}: {exc}") from None
            raised = StudentRaised(describe(exc, self.roots))
            frame = student_frame(exc, self.roots)
            # a SyntaxError's file is its own (linear_classifier.py, imported by the package's __init__.py)
            raised.file = exc.filename if isinstance(exc, SyntaxError) and exc.filename else frame.filename if frame is not None else None
            raise raised from None
        finally:
            sys.stdout.flush()
