"""Which files of a target are modules, under which names, and from which folder they import: a
folder inside a package (a CS231n `cs231n/`) is imported as that package from the folder above it,
a needle package as `needle` from the folder that holds it, a notebook under a name no .py beside
it has; course scratch and test folders are left out (checks.discover imports what this lists)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .foreign import NEEDLE

# (`autograder`: CMU 11-785's course-provided tests beside mytorch, which run the student's code on import)
SKIP_DIRS = {"__pycache__", "tests", "test", ".git", ".venv", "venv", "build", "dist", "node_modules", "autograder"}


def _course_sandbox(target: Path, rel: Path) -> bool:
    """A file in CMU 11-785's `sandbox/` beside `mytorch/`: the course's scratch scripts (HW2P1's
    conv1d_sandbox.py), which run the student's classes when imported, as its autograder does."""
    parts = rel.parts[:-1]
    return any(p == "sandbox" and target.joinpath(*parts[:n], "mytorch").is_dir() for n, p in enumerate(parts))



def _package_root(folder: Path) -> tuple[Path, list[str]]:
    """The folder to put on sys.path, and the package names from it down to `folder` (none unless
    `folder` holds an __init__.py): relative imports work only inside the package."""
    folder = folder.resolve()
    prefix: list[str] = []
    # A folder with only a stale __init__.pyc (Python 2's, its .py never committed) is a package too,
    # and so is one without any __init__ whose own files import it by name or relatively (a namespace
    # package, as Python 3 imports a cs231n/ committed without its __init__.py, or a micrograd copy
    # whose nn.py has `from .engine import Value`).
    # A needle package is the top of its name (the course puts its `python/` folder on sys.path), even
    # where a student's file also imports it as `python.needle`: that name is `course_parent`'s.
    while folder.name.isidentifier() and folder.parent != folder and prefix[:1] != [NEEDLE] and not _holds_needle(folder) and (
        any((folder / f"__init__.{ext}").is_file() for ext in ("py", "pyc")) or _imported_as_package(folder)
    ):
        prefix.insert(0, folder.name)
        folder = folder.parent
    return folder, prefix


def _holds_needle(folder: Path) -> bool:
    return (folder / NEEDLE / "__init__.py").is_file() and not (folder / "__init__.py").is_file()


def course_parent(root: Path) -> list[Path]:
    """The folder above `root` as well, where `root` holds a needle package its files also import
    through `root`'s name (`from python.needle.init import randb`, which works from the homework's
    folder, where the course's tests run)."""
    return [root.parent] if _holds_needle(root) and _imports_itself(root) else []


def _texts(folder: Path, limit: int = 200) -> Iterator[tuple[Path, str]]:
    """The first `limit` .py files below `folder`, with their text (unreadable ones left out)."""
    for n, path in enumerate(folder.rglob("*.py")):
        if n >= limit:
            break
        try:
            yield path, path.read_text(errors="replace")
        except OSError:
            continue


def _by_name(folder: Path) -> re.Pattern[str]:
    """An absolute import of `folder`'s name (`from cs231n.layers import *`)."""
    return re.compile(rf"^\s*(?:from|import)\s+{re.escape(folder.name)}(?:\.|\s)", re.MULTILINE)


def _imports_itself(folder: Path) -> bool:
    """Whether a module in `folder` imports `folder.name` absolutely."""
    pattern = _by_name(folder)
    return any(pattern.search(text) for _, text in _texts(folder))


_RELATIVE = re.compile(r"^\s*from\s+(\.+)", re.MULTILINE)


def _imported_as_package(folder: Path) -> bool:
    """Whether a module below `folder` imports it by name, or relatively up to `folder` itself
    (`from .engine import Value` in folder/nn.py, `from ..layers import *` in folder/classifiers/):
    either works only with the folder imported as a package. One pass over the files."""
    pattern = _by_name(folder)
    return any(
        pattern.search(text) or any(len(dots) > len(path.relative_to(folder).parts) - 1 for dots in _RELATIVE.findall(text))
        for path, text in _texts(folder)
    )  # a file's depth below folder is its parts less one: 0 directly in it


def _needle_root(target: Path, rel: Path) -> Path | None:
    """The folder above a needle package that holds the file `target/rel` (CMU 10-714's
    `hw1/python/needle/...`), where the package lies below the target: it is imported as `needle`
    from that folder, as the course's own tests and apps import it."""
    for i, part in enumerate(rel.parts[:-1]):
        if part == NEEDLE and (target / Path(*rel.parts[: i + 1]) / "__init__.py").is_file():
            return target / Path(*rel.parts[:i]) if i else None  # at the top: the target's own root
    return None


def module_files(target: Path, needles: dict[Path, Path] | None = None) -> tuple[Path, list[tuple[str, Path]]]:
    """The folder to put on sys.path and (module name, file) for every module to load; `needles`
    gets the root of each file of a needle package below the target (imported as `needle`)."""
    if target.is_file() and target.suffix == ".ipynb":
        root, prefix = _package_root(target.parent)
        return root, [(_notebook_module(target, prefix), target)]
    if target.is_file():
        root, prefix = _package_root(target.parent)
        parts = prefix if target.stem == "__init__" and prefix else [*prefix, target.stem]
        return root, [(".".join(parts), target)]
    root, prefix = _package_root(target)
    files = []
    for path in sorted([*target.rglob("*.py"), *target.rglob("*.ipynb")]):
        rel = path.relative_to(target)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]) or _course_sandbox(target, rel):
            continue
        if path.name in {"setup.py", "conftest.py"} or path.name.startswith("test_"):
            continue
        if path.suffix == ".ipynb":
            files.append((_notebook_module(path, [*prefix, *rel.parts[:-1]]), path))
            continue
        parts = [*prefix, *rel.with_suffix("").parts]
        below = _needle_root(target, rel)
        if below is not None and needles is not None:
            needles[path] = below
            parts = list(path.relative_to(below).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
            if not parts:
                continue
        if all(p.isidentifier() for p in parts):
            files.append((".".join(parts), path))
    return root, files


def _notebook_module(path: Path, package: list[str]) -> str:
    """A module name for a notebook ("Step by Step.ipynb" -> Step_by_Step_ipynb): never a name a
    .py beside it has, so both are checked."""
    stem = re.sub(r"\W", "_", path.stem)
    return ".".join([*package, f"{stem}_ipynb" if not stem[:1].isdigit() else f"nb_{stem}_ipynb"])
