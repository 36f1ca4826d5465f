"""Load a student's file or folder and find implementations by the course's naming conventions.

- `NAME_forward` with `NAME_backward` (also `NAME_forward_naive` / `NAME_backward_naive`): a layer pair
- a class with `forward` and `backward` methods: a gate class
- a class with a `loss` method: a model
- a function whose name contains `loss`: a loss function

Only objects defined in the student's own modules count (not names they imported). Modules are
imported under their own names with the folder first on sys.path, so sibling imports work, and are
removed from sys.modules afterwards, so the next target's `layers.py` is not mistaken for this one's.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .conventions import Convention

from .guard import Guard, StudentAbort, StudentError

SKIP_DIRS = {"__pycache__", "tests", "test", ".git", ".venv", "venv", "build", "dist", "node_modules"}


class LoadError(Exception):
    """The target as a whole cannot be loaded (missing path, or its only file does not import)."""


@dataclass
class Candidate:
    name: str  # the gate name it would match: affine, MultiplyGate, svm_loss
    convention: Convention
    objects: tuple[Any, ...]
    label: str  # as the student wrote it: affine_forward, MultiplyGate
    source: str


@dataclass
class Found:
    candidates: list[Candidate] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)  # (file, why it did not import)
    incomplete: list[tuple[str, str, str]] = field(default_factory=list)  # (name, file, reason)
    roots: tuple[Path, ...] = ()


def _module_files(target: Path) -> tuple[Path, list[tuple[str, Path]]]:
    """The folder to put on sys.path and (module name, file) for every module to load."""
    if target.is_file():
        return target.parent, [(target.stem, target)]
    files = []
    for path in sorted(target.rglob("*.py")):
        rel = path.relative_to(target)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if path.name in {"setup.py", "conftest.py"} or path.name.startswith("test_"):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
            if not parts:
                continue
        if all(p.isidentifier() for p in parts):
            files.append((".".join(parts), path))
    return target, files


def _defined_in(module: ModuleType) -> dict[str, Any]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module.__name__
    }


def _candidates(module: ModuleType, source: str, found: Found) -> None:
    objs = _defined_in(module)
    for name, obj in objs.items():
        if inspect.isclass(obj):
            if callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward", None)):
                found.candidates.append(Candidate(name, Convention.GATE_CLASS, (obj,), name, source))
            elif callable(getattr(obj, "loss", None)):
                found.candidates.append(Candidate(name, Convention.MODEL, (obj,), name, source))
            continue
        for suffix in ("_forward", "_forward_naive"):
            if name.endswith(suffix):
                gate = name[: -len(suffix)]
                partner = gate + suffix.replace("forward", "backward")
                if partner in objs:
                    found.candidates.append(
                        Candidate(gate, Convention.LAYER_PAIR, (obj, objs[partner]), name, source)
                    )
                else:
                    found.incomplete.append((name, source, f"no {partner} next to it"))
                break
        else:
            if "loss" in name:
                found.candidates.append(Candidate(name, Convention.LOSS_FUNCTION, (obj,), name, source))


def discover(target: Path, timeout: float | None = None) -> Found:
    """Import the target's modules and find candidates. Raises LoadError if nothing can be loaded."""
    if not target.exists():
        raise LoadError(f"{target} does not exist")
    if target.is_file() and target.suffix != ".py":
        raise LoadError(f"{target} is not a .py file or a folder")
    root, files = _module_files(target)
    found = Found(roots=(root.resolve(),))
    guard = Guard(timeout, found.roots)
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        for name, path in files:
            try:
                module = guard.call(importlib.import_module, name)
            except (StudentError, StudentAbort) as exc:
                found.broken.append((str(path), str(exc)))
                continue
            _candidates(module, str(path), found)
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if file and root.resolve() in Path(file).resolve().parents:
                del sys.modules[name]
    if target.is_file() and found.broken:
        raise LoadError(f"{target} cannot be imported: {found.broken[0][1]}")
    if not files:
        raise LoadError(f"{target} holds no Python files")
    return found
