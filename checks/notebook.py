"""A Jupyter notebook as a module: its definitions, never its run.

A student's notebook loads data sets, trains for minutes, calls `get_ipython()` and has `%`/`!`
lines, so it is never run as a whole. From its code cells, in order, only what defines code is
executed: imports, function and class definitions, and plain constant assignments (no call in
them). A name defined in several cells ends as its last definition, as after "Run all". An import
that fails (the course's `public_tests`, `testCases`, `dnn_utils` helpers that are not beside the
notebook) binds its names to stand-ins: a definition that calls one is reported as not checked,
naming the missing module, and the rest is checked.

The cells are laid end to end as one virtual source, registered with linecache under the notebook's
path, so tracebacks show the student's code; `where(filename, line)` turns a line of it back into
"layers.ipynb cell [12] line 3" for messages and reports.
"""

from __future__ import annotations

import ast
import io
import linecache
import re
import sys
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .conventions import is_staff
from .guard import Guard, StaffUnavailable, StudentAbort, StudentError
from .hints import newer_reason, newer_syntax


class NotebookError(Exception):
    """The file is not a notebook gradgate can read (not JSON, not nbformat 4)."""


@dataclass(frozen=True)
class Cell:
    index: int  # position among all cells, from 0
    execution_count: int | None  # the [12] Jupyter shows, None if never run
    start: int  # first line of the cell in the virtual source, from 1
    lines: int

    @property
    def label(self) -> str:
        shown = f"[{self.execution_count}]" if self.execution_count is not None else "[ ]"
        return f"cell {shown} (index {self.index})"


@dataclass
class Notebook:
    path: Path
    source: str  # the code cells laid end to end, magics blanked
    cells: list[Cell]
    skipped: list[tuple[Cell, str]] = field(default_factory=list)  # cells not read, and why

    def cell_at(self, line: int) -> Cell | None:
        return next((c for c in self.cells if c.start <= line < c.start + c.lines), None)


# filename -> notebook, for `where` (a traceback's frame names the notebook's path)
_OPEN: dict[str, Notebook] = {}

# Cell magics whose body is Python; any other (%%bash, %%writefile, %%html) is not.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
_LINE_MAGIC = re.compile(r"^\s*([%!?]|\w[\w.]*\s*=\s*[%!])|\?\s*$")


def _blank_magics(code: str) -> tuple[str, str | None]:
    """The cell with magic and shell lines as `pass` (line numbers kept), or why it is not Python."""
    lines = code.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()[0] if lines[0].lstrip()[2:].split() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return "", f"a %%{magic} cell"
        lines[0] = ""
    kept: list[str] = []
    for line in lines:
        magic = _LINE_MAGIC.match(line) is not None and not _continues(kept)
        # a `pass` at the line's own indent: `!git clone ...` may be all of an if's block
        kept.append(line[: len(line) - len(line.lstrip())] + "pass" if magic else line)
    return "\n".join(kept), None


def _continues(lines: list[str]) -> bool:
    """Whether the next line goes on the statement these lines leave open (inside brackets or a
    string): `% (i, n)` under `print('...'` is the string's formatting, not a line magic."""
    try:
        for _ in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            pass
    except tokenize.TokenError:  # EOF in a multi-line statement or string
        return True
    except (SyntaxError, ValueError):  # (an unterminated line of the student's: its own error later)
        return False
    return bool(lines) and lines[-1].rstrip().endswith("\\")


def read(path: Path) -> Notebook:
    """The notebook's code cells as one virtual source. Raises NotebookError for a file that is
    not a notebook."""
    import nbformat  # a dependency, loaded only for notebooks

    try:
        with warnings.catch_warnings():  # nbformat's own notices (a cell without an id) are not the student's
            warnings.simplefilter("ignore")
            nb = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises JSON, validation and key errors alike
        raise NotebookError(f"{path.name} is not a readable notebook: {type(exc).__name__}: {exc}") from None
    if nb.get("nbformat") != 4:
        raise NotebookError(f"{path.name} is nbformat {nb.get('nbformat')}; gradgate reads nbformat 4 notebooks")
    chunks: list[str] = []
    cells: list[Cell] = []
    skipped: list[tuple[Cell, str]] = []
    line = 1
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        code, why = _blank_magics(str(cell.get("source", "")))
        count = cell.get("execution_count")
        n = max(1, len(code.splitlines()))
        entry = Cell(index, count if isinstance(count, int) else None, line, n)
        if why:
            skipped.append((entry, why))
            code = ""
        body = code.splitlines() or [""]
        body += [""] * (n - len(body))
        chunks.extend(body)
        cells.append(entry)
        line += n
    return Notebook(path, "\n".join(chunks) + "\n", cells, skipped)


def where(filename: str, line: int) -> str | None:
    """'layers.ipynb cell [12] (index 5) line 3' for a line of a loaded notebook, else None."""
    nb = _OPEN.get(filename)
    cell = nb.cell_at(line) if nb else None
    if nb is None or cell is None:
        return None
    return f"{nb.path.name} {cell.label} line {line - cell.start + 1}"


def cell_of(filename: str, line: int) -> dict[str, Any] | None:
    """The cell a line of a loaded notebook is in, as report data."""
    nb = _OPEN.get(filename)
    cell = nb.cell_at(line) if nb else None
    if nb is None or cell is None:
        return None
    return {"index": cell.index, "execution_count": cell.execution_count, "line": line - cell.start + 1}


def _defines(node: ast.stmt) -> bool:
    """Whether a top-level statement only defines: an import, a def, a class, a constant."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        return not any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda))
                       for n in ast.walk(node.value))  # fmt: skip
    if isinstance(node, ast.Try):  # try: import torch / except ImportError: ...
        return all(_defines(n) or isinstance(n, ast.Pass) for part in (node.body, node.orelse, node.finalbody)
                   for n in part) and all(_defines(n) or isinstance(n, ast.Pass) for h in node.handlers for n in h.body)  # fmt: skip
    return False


class _Missing:
    """What a failed import binds: calling it, or anything taken from it, says which course helper
    is missing (a StaffUnavailable: the implementation is not checked, not failed)."""

    def __init__(self, module: str, name: str, notebook: str) -> None:
        self._what = (module, name, notebook)

    def _unavailable(self) -> StaffUnavailable:
        module, name, notebook = self._what
        if is_staff(module):
            return StaffUnavailable(f"calls {name} from {module}, which is not beside {notebook} (a course helper file)")
        return StaffUnavailable(f"calls {name} from {module}, which is not installed here")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self._unavailable()

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        module, name, notebook = self._what
        return _Missing(module, f"{name}.{attr}", notebook)


def _execute(code: Any, namespace: dict[str, Any]) -> ImportError | None:
    """Run one definition; an import that fails is returned (its names get stand-ins), not raised."""
    try:
        exec(code, namespace)
    except ImportError as exc:
        return exc
    return None


@dataclass
class Loaded:
    module: ModuleType
    missing: list[str]  # modules its imports needed that are not here
    broken: list[tuple[str, str]]  # (where, why) for cells that do not parse or definitions that raise
    lines: dict[str, int]  # top-level name -> line of its last definition in the virtual source
    newer: list[tuple[str, str]] = field(default_factory=list)  # (where, why) for cells only a newer Python parses


def load(path: Path, name: str, guard: Guard) -> Loaded:
    """Execute the notebook's definitions into a new module `name`, registered in sys.modules (so
    a sandbox child can bind to it by name). Student exceptions are data, never raised; a file that
    is not a notebook raises NotebookError."""

    nb = read(path)
    filename = str(path)
    _OPEN[filename] = nb
    linecache.cache[filename] = (len(nb.source), None, nb.source.splitlines(keepends=True), filename)
    module = ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module
    missing: list[str] = []
    lines: dict[str, int] = {}
    broken: list[tuple[str, str]] = []
    later: list[tuple[str, str]] = []
    for cell in nb.cells:
        text = "\n" * (cell.start - 1) + "\n".join(nb.source.splitlines()[cell.start - 1 : cell.start - 1 + cell.lines])
        try:
            tree = ast.parse(text, filename)
        except SyntaxError as exc:
            at = where(filename, exc.lineno or cell.start) or f"{path.name} {cell.label}"
            newer = newer_syntax(exc, text)
            if newer:  # the student's Jupyter ran it: not their error, though its definitions go unchecked
                later.append((at, newer_reason(at, newer)))
            else:
                broken.append((at, f"SyntaxError: {exc.msg} (at {at})"))
            continue
        for node in tree.body:
            if not _defines(node):
                continue
            code = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
            try:
                failed = guard.call(_execute, code, module.__dict__)
            except (StudentError, StudentAbort) as exc:  # a hang or a course call that cannot run here too
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    broken.append((where(filename, node.lineno) or path.name, str(exc)))
                continue  # a constant that needs a variable of a cell not run here is left out
            if failed is not None and isinstance(node, (ast.Import, ast.ImportFrom)):
                target = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                missing.append(target or failed.name or "?")
                for alias in node.names:
                    bound = (alias.asname or alias.name).split(".")[0]
                    if bound != "*":
                        module.__dict__[bound] = _Missing(target or "?", alias.name, path.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                lines[node.name] = node.lineno
    return Loaded(module, sorted(set(missing)), broken, lines, later)
