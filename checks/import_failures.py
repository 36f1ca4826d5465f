"""A student's module that did not import, sorted: their failure (an error row, with the reason), or
not theirs (listed as not checked: a course file missing here, a package not installed, a dataset
not beside it, syntax only a newer Python reads); and the package whose own __init__.py fails, one
row for it, its modules then imported by their files (checks.discover)."""

from __future__ import annotations

import importlib
import re
import sys
import traceback
from collections.abc import Collection
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from .foreign import NDARRAY_BACKEND, NDARRAY_REASON, NEEDLE_REASON, raised_in_ndarray_needle
from .guard import Guard, StaffUnavailable, StudentAbort, StudentError
from .hints import fix, newer_reason, newer_syntax
from .results import Unchecked, UncheckedKind

if TYPE_CHECKING:
    from .discover import Found


def broken(exc: BaseException, name: str, path: Path, files: list[tuple[str, Path]], found: Found, missing: Collection[str] = ()) -> None:
    """Sort a module that did not import: the student's failure (broken), or not theirs (not checked).
    `missing`: the course-provided modules that are stand-ins here."""
    if isinstance(exc, StaffUnavailable):
        found.incomplete.append(Unchecked(name, str(path), f"not checked: importing it {exc}", UncheckedKind.MODULE))
        return
    cause = exc.__context__
    starred = [m for m in re.findall(r"^\s*from\s+([\w.]+)\s+import\s+\*", path.read_text(errors="replace"), re.MULTILINE) if m in missing]
    if isinstance(cause, NameError) and starred:  # a script exported from a notebook runs the course's test cases on import
        why = (f"not checked: importing it uses {cause.name!r}, which it takes from course-provided "
               f"{', '.join(starred)} by `import *`, and {'that is' if len(starred) == 1 else 'those are'} missing here")  # fmt: skip
        found.incomplete.append(Unchecked(name, str(path), why, UncheckedKind.MODULE))
        return
    newer = newer_syntax(cause, path.read_text(errors="replace")) if isinstance(cause, SyntaxError) and path.suffix == ".py" else None
    if newer:
        found.incomplete.append(Unchecked(name, str(path), newer_reason(f"line {cause.lineno}", newer), UncheckedKind.MODULE))
        return
    if isinstance(cause, FileNotFoundError):  # a script that loads its dataset on import: not here, not theirs
        missing = cause.filename or str(cause)
        why = f"not checked: importing it reads {missing}, which is not here (a dataset or a saved file)"
        found.incomplete.append(Unchecked(name, str(path), why, UncheckedKind.MODULE))
        return
    if isinstance(cause, AttributeError) and getattr(cause, "obj", None) is np and raised_in_ndarray_needle(cause):
        # needle hw3+ code naming its NDArray backend's API (`array_api.SparseMatrix`), run on numpy here
        found.incomplete.append(Unchecked(name, str(path), NDARRAY_REASON, UncheckedKind.MODULE))
        return
    if isinstance(cause, ImportError) and NDARRAY_BACKEND.search(str(cause)):  # needle hw3+: its C++/CUDA backend, built by `make`
        found.incomplete.append(Unchecked(name, str(path), NDARRAY_REASON, UncheckedKind.MODULE))
        return
    if isinstance(cause, PermissionError) and any(
        "/torch/" in frame.filename for frame in traceback.extract_tb(cause.__traceback__)
    ):  # the grading sandbox cannot load torch's compiled libraries
        why = "not checked: it imports torch, which the grading sandbox does not load (gradgate checks numpy code)"
        found.incomplete.append(Unchecked(name, str(path), why, UncheckedKind.MODULE))
        return
    if isinstance(cause, ModuleNotFoundError) and cause.name and not fix(cause):
        top = cause.name.split(".")[0]
        ours = {p.stem for _, p in files} | {n.split(".")[0] for n, _ in files}
        if top == "needle":  # CMU 10-714's own framework, imported from its python/ folder
            found.incomplete.append(Unchecked(name, str(path), NEEDLE_REASON, UncheckedKind.MODULE))
            return
        if top not in ours:
            why = f"not checked: it needs the module {cause.name!r}, which is not installed here"
            found.incomplete.append(Unchecked(name, str(path), why, UncheckedKind.MODULE))
            return
        if "." in name and (path.parent / f"{top}.py").exists():
            package = name.rsplit(".", 1)[0]
            fixed = f"`from .{top} import ...` (or `from {package}.{top} import ...`)"
            found.broken.append((str(path), f"{exc} — Python 3 has no implicit relative imports: write {fixed}"))
            return
    found.broken.append((str(path), str(exc)))


def one_row_per_failing_package(failed: dict[str, tuple[str, Path]], found: Found, target: Path) -> None:
    """A package __init__.py whose own code fails is one error row; the files that fail with the
    very same error only because importing them runs it (the package above it, a models/ importing
    it) are listed as not checked, pointing at that row."""
    rows = {Path(where).resolve() for where, _ in found.broken}
    # the file whose own code raised: the package's __init__.py, or a module it imports (a SyntaxError
    # in linear_classifier.py, which classifiers/__init__.py imports), where that has a row of its own
    raised = {why: at.resolve() for why, at in failed.values() if at.name == "__init__.py" or at.resolve() in rows}
    kept = []
    for where, why in found.broken:
        at = raised.get(why)
        if at is None or Path(where).resolve() == at:
            kept.append((where, why))
            continue
        base = target.resolve()
        shown = at.relative_to(base) if at.is_relative_to(base) else at
        reason = f"not checked: importing it runs {shown}, which cannot be imported (its own row says why)"
        found.incomplete.append(Unchecked(Path(where).stem, where, reason, UncheckedKind.MODULE))
    found.broken[:] = kept


def standalone(path: Path, guard: Guard) -> ModuleType | None:
    """A module of a package whose __init__.py fails, imported by its file with its folder on
    sys.path, as CMU 11-785's runner imports them (`sys.path.append('mytorch/nn')`, `from resampling
    import *`); None where that fails too, or another module of its name is loaded."""
    held = sys.modules.get(path.stem)
    if held is not None and Path(getattr(held, "__file__", "") or "") != path:
        return None
    sys.path.insert(0, str(path.parent))
    try:
        return guard.call(importlib.import_module, path.stem)
    except (StudentError, StudentAbort):
        return None
    finally:
        sys.path.remove(str(path.parent))
