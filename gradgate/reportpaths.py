"""A graded report's paths relative to the submission, so that nothing in it depends on the machine
or the working directory, and what it says to run works where the student's files are.

The submission's home is its folder, or the folder holding a one-file submission: the report's
target is `.` or `alice.py`, every source and every message names files from there (`layers.py`),
and the rerun command is `gradgate check . --seed ...` run in that folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


def home(path: Path) -> Path:
    """Where a student runs gradgate on this submission: the folder, or a one-file submission's folder."""
    return path if path.is_dir() else path.parent


def target(path: Path) -> str:
    """The submission as named from its home: `.` for a folder, the file's name for a file."""
    return "." if path.is_dir() else path.name


def _spellings(folder: Path) -> list[str]:
    # The engine may have named the folder as given, made absolute, or resolved (symlinks); the
    # longest first, so that a shorter one never cuts into a longer one.
    forms = {str(folder), str(folder.absolute()), str(folder.resolve())}
    return sorted((f.rstrip("/") for f in forms if f not in ("", ".")), key=len, reverse=True)


def stripper(folder: Path) -> Callable[[str], str]:
    """A function that takes the folder's path out of a text: `/abs/class/bob/layers.py` -> `layers.py`."""
    forms = _spellings(folder)
    if not forms:
        return lambda text: text
    # Only where a path starts (not inside a longer name), then either a separator or the path's end.
    pattern = re.compile(r"(?<![\w./-])(?:" + "|".join(re.escape(f) for f in forms) + r")(/|(?![\w.-]))")
    return lambda text: pattern.sub(lambda m: "" if m.group(1) else ".", text)


def _walk(value: Any, strip: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return strip(value)
    if isinstance(value, list):
        return [_walk(v, strip) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, strip) for k, v in value.items()}
    return value


def relative(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """The report with `path`'s home taken out of every path and message (the student's printed
    output too: it may echo the grader's folders), and its target named from the home."""
    strip = stripper(home(path))
    out = {k: (_walk(v, strip) if k in ("error", "results", "unchecked") else v) for k, v in data.items()}
    out["target"] = target(path)
    return out
