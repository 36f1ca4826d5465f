"""Code the course hands out complete with the homework: a failure inside it is not the student's.

A registry entry's `shipped` holds fingerprints of functions its course hands out already written
(CMU 10-714's EWisePow.gradient from 2023 on, which raises ValueError for needle Tensors and which no
course test calls). A result that errors inside such a function, found in the student's file by the
error's line and matched by its text, is listed as not checked with the reason. A function the
student changed has another fingerprint and is judged as theirs.

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


def fingerprint(function: _Function) -> str:
    bare = copy.deepcopy(function)
    body = bare.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
        bare.body = body[1:] or [ast.Pass()]
    bare.returns = None
    for arg in ast.walk(bare.args):
        if isinstance(arg, ast.arg):
            arg.annotation = None
    return hashlib.sha256(ast.dump(bare, include_attributes=False).encode()).hexdigest()[:16]


def source_fingerprint(source: str) -> str:
    """The fingerprint of the one function `source` defines (how an entry's `shipped` is made)."""
    (function,) = [n for n in ast.parse(source).body if isinstance(n, _Function)]
    return fingerprint(function)


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
        if function.lineno <= line <= (function.end_lineno or function.lineno) and fingerprint(function) in shipped:
            return qualified
    return None
