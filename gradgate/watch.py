"""`gradgate check PATH --watch`: one warm process (numpy, torch and hypothesis imported once) that,
on every save, re-checks only the implementations whose file changed and those that call into a
changed file (layer_utils' affine_relu_forward when layers.py is saved), printing their new verdicts.
Ctrl-C ends it with exit code 0."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gradgate.checks.discover import Candidate, Found, LoadError
from gradgate.checks.engine import Options, check_found
from gradgate.checks.executor import IN_PROCESS
from gradgate.checks.foreign import functions
from gradgate.checks.results import ImplementationResult, RunReport

SOURCES = (".py", ".ipynb")
IGNORED = {"__pycache__", "reports", ".git", ".ipynb_checkpoints"}


def _watched(change: Any, path: str) -> bool:
    p = Path(path)
    return p.suffix in SOURCES and not IGNORED & set(p.parts)


def _file_of(value: Any) -> Path | None:
    try:
        return Path(inspect.getfile(value)).resolve()
    except (TypeError, OSError):
        return None


def depends_on(candidate: Candidate, changed: set[Path]) -> bool:
    """Whether the candidate is in a changed file or calls a function or class defined in one
    (by a global name its own code uses)."""
    if Path(candidate.source).resolve() in changed:
        return True
    for fn in (f for obj in candidate.objects for f in functions(obj) if inspect.isfunction(f)):
        for name in fn.__code__.co_names:
            value = fn.__globals__.get(name)
            if (inspect.isfunction(value) or inspect.isclass(value)) and _file_of(value) in changed:
                return True
    return False


def affected(found: Found, changed: set[Path]) -> Found:
    """What of a fresh discovery a save touched: its candidates, broken files and unchecked entries."""
    def hit(source: str) -> bool:
        return Path(source).resolve() in changed

    return Found(
        candidates=[c for c in found.candidates if depends_on(c, changed)],
        broken=[b for b in found.broken if hit(b[0])],
        incomplete=[u for u in found.incomplete if hit(u.source)],
        roots=found.roots,
    )


def loop(
    target: Path,
    options: Options,
    show: Callable[[ImplementationResult], None],
    say: Callable[[str], None],
) -> int:
    """Re-check on every save until Ctrl-C."""
    import watchfiles

    announced = False
    try:
        # an empty set every rust_timeout ms with no change: the first says the watcher is in place
        for changes in watchfiles.watch(target, watch_filter=_watched, debounce=100, step=20, rust_timeout=500, yield_on_timeout=True):
            if not changes:
                if not announced:
                    say(f"gradgate: watching {target} (Ctrl-C to stop)")
                    announced = True
                continue
            started = time.perf_counter()
            changed = {Path(p).resolve() for _, p in changes}
            names = ", ".join(sorted(p.name for p in changed))
            try:
                found = IN_PROCESS.discover(target, options.timeout)
            except LoadError as exc:
                say(f"gradgate: {names} saved: cannot check {target}: {exc}")
                continue
            mine = affected(found, changed)
            report = RunReport(str(target), options.seed, options.examples, None)
            check_found(report, mine, options, on_result=show)
            for u in report.unchecked:
                say(f"unchecked {u.name} ({u.source}): {u.reason}")
            s = report.summary
            say(f"gradgate: {names} saved: {s['pass']} passed, {s['fail']} failed, {s['error']} errors "
                f"in {time.perf_counter() - started:.2f} s (seed {options.seed})")
    except KeyboardInterrupt:
        pass
    say("gradgate: stopped watching")
    return 0
