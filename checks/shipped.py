"""Code the course hands out complete with the homework: a failure inside it is not the student's.

A registry entry's `shipped` holds fingerprints of functions its course hands out already written
(CMU 10-714's EWisePow.gradient from 2023 on, which raises ValueError for needle Tensors and which no
course test calls). A result that errors inside such a function, found in the student's file by the
error's line and matched by its text, is listed as not checked with the reason; so is one whose
statements up to the one that raised are the handout's (its guard, the student's lines after it). A
function the student changed there has another fingerprint and is judged as theirs.

The fingerprint is the function's syntax tree without its docstring, annotations, comments or
layout, so a reformatted or re-annotated copy of the handout is still the handout. It is read from
the file without importing it, so the sandbox's grader can read it too.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

# the guard's "(at ops_mathematic.py:104 in gradient)": the student frame an error was raised in
_RAISED_AT = re.compile(r"\(at ([^\s:()]+):(\d+) in (\w+)\)")

_Function = ast.FunctionDef | ast.AsyncFunctionDef


def _statements(function: _Function) -> list[ast.stmt]:
    """The function's body without its docstring."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def fingerprint(function: _Function, upto: int | None = None) -> str:
    """Of the whole function, or of it cut after its first `upto` statements (a handout's guard that
    raises before any line of the student's)."""
    bare = copy.deepcopy(function)
    bare.body = _statements(bare)[:upto] or [ast.Pass()]
    bare.returns = None
    for arg in ast.walk(bare.args):
        if isinstance(arg, ast.arg):
            arg.annotation = None
    return hashlib.sha256(ast.dump(bare, include_attributes=False).encode()).hexdigest()[:16]


def source_fingerprint(source: str, upto: int | None = None) -> str:
    """The fingerprint of the one function `source` defines (how an entry's `shipped` is made)."""
    (function,) = [n for n in ast.parse(source).body if isinstance(n, _Function)]
    return fingerprint(function, upto)


def _functions(path: Path, name: str) -> Iterator[tuple[str, _Function]]:
    """`name`'s functions in `path`: a class's methods (EWisePow.gradient), or the function itself."""
    try:
        tree = ast.parse(path.read_text(errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            yield from ((f"{name}.{f.name}", f) for f in node.body if isinstance(f, _Function))
        elif isinstance(node, _Function) and node.name == name:
            yield name, node


def failing_handout(message: str, source: str, name: str, shipped: frozenset[str]) -> str | None:
    """The handed-out function (`EWisePow.gradient`) the error in `message` was raised in, if it was
    raised in one of `name`'s functions in `source` whose fingerprint is among `shipped`."""
    raised = _RAISED_AT.search(message)
    if not shipped or raised is None or not source or Path(source).name != raised.group(1):
        return None
    line = int(raised.group(2))
    for qualified, function in _functions(Path(source), name):
        if not function.lineno <= line <= (function.end_lineno or function.lineno):
            continue
        # the statement that raised, and every one before it, as handed out (the rest may be the student's)
        upto = next((n + 1 for n, stmt in enumerate(_statements(function)) if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno)), None)
        if fingerprint(function) in shipped or (upto is not None and fingerprint(function, upto) in shipped):
            return qualified
    return None
