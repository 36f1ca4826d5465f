"""The fix for errors whose cause is old code rather than wrong maths: Python 2 leftovers and numpy
names and behaviours removed since the course's older years (students copy both from old solutions). `fix` returns
what to write instead, or None; the guard appends it to the error, which already names the line.
"""

from __future__ import annotations

import re
import sys

# Python 2 builtins and modules, and what Python 3 calls them.
PY2_NAMES = {
    "xrange": "range",
    "raw_input": "input",
    "unicode": "str",
    "basestring": "str",
    "long": "int",
    "unichr": "chr",
    "izip": "zip",
    "reduce": "functools.reduce (from functools import reduce)",
    "execfile": "exec(open(path).read())",
}
PY2_METHODS = {
    "iteritems": ".items()",
    "itervalues": ".values()",
    "iterkeys": ".keys()",
    "has_key": "`key in d`",
}
PY2_MODULES = {
    "cPickle": "pickle",
    "cStringIO": "io",
    "StringIO": "io",
    "Queue": "queue",
    "urllib2": "urllib.request",
    "past": "Python 3's builtins (range, input, ...) without the `future` package",
}
# numpy names removed in 1.24 (the aliases) and 2.0, with their replacement.
NUMPY_REMOVED = {
    "float": "float (or np.float64)",
    "int": "int (or np.int64)",
    "bool": "bool (or np.bool_)",
    "object": "object",
    "str": "str",
    "complex": "complex (or np.complex128)",
    "long": "int",
    "unicode": "str",
    "asscalar": "a.item()",
    "float_": "np.float64",
    "complex_": "np.complex128",
    "string_": "np.bytes_",
    "unicode_": "np.str_",
    "NaN": "np.nan",
    "NAN": "np.nan",
    "Inf": "np.inf",
    "Infinity": "np.inf",
    "infty": "np.inf",
    "PINF": "np.inf",
    "NINF": "-np.inf",
    "product": "np.prod",
    "cumproduct": "np.cumprod",
    "sometrue": "np.any",
    "alltrue": "np.all",
    "round_": "np.round",
    "row_stack": "np.vstack",
    "asfarray": "np.asarray(a, dtype=float)",
    "msort": "np.sort(a, axis=0)",
    "trapz": "np.trapezoid",
    "in1d": "np.isin",
}
# numpy.lib's names numpy 2 removed that numpy itself still has (old conv solutions pad with np.lib.pad)
NUMPY_LIB_REMOVED = {"pad"}
_FLOAT_INDEX = (
    "'float' object cannot be interpreted as an integer",
    "slice indices must be integers",
    "only integers, slices",
    "'float' object is not iterable",
    "expected a sequence of integers or a single integer, got '",  # np.zeros(H / 2)
    "list indices must be integers or slices, not float",
    "`pad_width` must be of integral type",
)
# A float array used as an index: Python 2's / on integer arrays (idx = pos / W) gave integers.
_FLOAT_ARRAY_INDEX = "arrays used as indices must be of integer (or boolean) type"
# Bytecode of another Python version where the .py is missing (Python 2's .pyc committed in place).
_BAD_MAGIC = re.compile(r"bad magic number in '([\w.]+)'")


def _quoted(text: str, pattern: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


def fix(exc: BaseException) -> str | None:
    """What to write instead, for errors that come from Python 2 or an old numpy; else None."""
    text = str(exc)
    if isinstance(exc, TabError):
        return "tabs and spaces mixed in the indentation (Python 2 allowed it): indent with spaces only"
    if isinstance(exc, SyntaxError):
        if "Missing parentheses in call to 'print'" in text:
            return "a Python 2 print statement: write print(...)"
        if "Missing parentheses in call to 'exec'" in text:
            return "a Python 2 exec statement: write exec(...)"
        if "multiple exception types must be parenthesized" in text:
            return "Python 2's `except E, e:`: write `except E as e:`"
        return None
    if isinstance(exc, ModuleNotFoundError):
        top = (exc.name or "").split(".")[0]
        return f"{top} is Python 2's: use {PY2_MODULES[top]}" if top in PY2_MODULES else None
    if isinstance(exc, ImportError):
        return stale_bytecode(exc) or _numpy_private(exc)
    if isinstance(exc, NameError):
        name = getattr(exc, "name", None) or _quoted(text, r"name '(\w+)' is not defined")
        return f"{name} is Python 2's: use {PY2_NAMES[name]}" if name in PY2_NAMES else None
    if isinstance(exc, AttributeError):
        removed = _quoted(text, r"module 'numpy' has no attribute '(\w+)'")
        if removed in NUMPY_REMOVED:
            return f"np.{removed} was removed from numpy: use {NUMPY_REMOVED[removed]}"
        moved = _quoted(text, r"module 'numpy.lib' has no attribute '(\w+)'")
        if moved in NUMPY_LIB_REMOVED:
            return f"numpy 2 removed np.lib.{moved}: use np.{moved}"
        method = _quoted(text, r"object has no attribute '(\w+)'")
        if method in PY2_METHODS:
            return f"dict.{method}() is Python 2's: use {PY2_METHODS[method]}"
        return None
    if isinstance(exc, (TypeError, IndexError)) and any(s in text for s in _FLOAT_INDEX):
        return "in Python 3, / always gives a float: use // for sizes and indices"
    if isinstance(exc, IndexError) and _FLOAT_ARRAY_INDEX in text:
        return ("a float array used as an index: in Python 3, / always gives floats; use // "
                "(or .astype(int)) for indices")
    if isinstance(exc, TypeError) and "unravel_index() got an unexpected keyword argument 'dims'" in text:
        return "numpy renamed unravel_index's dims to shape: write np.unravel_index(i, shape)"
    if isinstance(exc, TypeError) and "unexpected keyword argument 'newshape'" in text:
        return "numpy 2 renamed reshape's newshape: write np.reshape(a, shape) or a.reshape(shape)"
    if isinstance(exc, TypeError) and "only 0-dimensional arrays can be converted to Python scalars" in text:
        return ("numpy 2 no longer turns an array with one entry (or several) into a number: take the entry, "
                "a.item() or a[0], and check it is one (np.where and argmax ties give several)")
    return None


def stale_bytecode(exc: BaseException) -> str | None:
    """What to do about a .pyc of another Python version that stands where a .py is missing."""
    found = _BAD_MAGIC.search(str(exc)) if isinstance(exc, ImportError) else None
    if found is None:
        return None
    name = found.group(1).rpartition(".")[2]
    return (f"{name} is a stale .pyc compiled by another Python version (Python 2's), with no {name}.py "
            f"(or, for a package, no __init__.py) beside it: restore the .py, or delete the .pyc files")


def _numpy_private(exc: ImportError) -> str | None:
    """numpy 2 made numpy.lib's submodules private (`from numpy.lib.npyio import loadtxt`)."""
    module = getattr(exc, "name", None) or ""
    if not module.startswith("numpy.lib."):
        return None
    name = _quoted(str(exc), r"cannot import name '(\w+)'")
    where = f"np.{name}" if name else "the np.* name"
    return f"numpy 2 made {module} private: use {where} (import numpy as np)"


def newer_syntax(err: SyntaxError, source: str) -> str | None:
    """What of Python 3.12's f-strings (PEP 701) the line a SyntaxError names uses, where this Python
    does not have it: braces broken across lines (formatters write it: the same file with the line
    joined to the next ones parses past it), or the string's own quote inside its braces
    (`f"{d["Z"]}"`: it parses with the inner quotes swapped). None where the code is simply wrong."""
    lines = source.splitlines()
    at = (err.lineno or 0) - 1
    # the line from the source itself: a notebook's err.text is read from its file, the JSON
    if sys.version_info >= (3, 12) or not 0 <= at < len(lines) or not re.search(r"(?<![\w])[rRbB]?[fF][rR]?['\"]", lines[at]):
        return None

    def parses(tried: list[str], joined: int = 0) -> bool:
        try:
            compile("\n".join(tried), "<newer>", "exec", dont_inherit=True)
            return True
        except SyntaxError as again:
            return (again.lineno or 0) > err.lineno + joined  # an error further on is another matter

    swapped = _swap_inner_quotes(lines[at])
    if swapped != lines[at] and parses([*lines[:at], swapped, *lines[at + 1 :]]):
        return "an f-string with its own quotes inside its braces"
    for joined in range(1, 6):  # the braces' contents rarely run over more than a few lines
        if at + joined >= len(lines):
            return None
        tried = lines[:at] + [" ".join([lines[at].rstrip(), *(x.strip() for x in lines[at + 1 : at + joined + 1])])]
        tried += [""] * joined + lines[at + joined + 1 :]  # (line numbers kept)
        if parses(tried, joined):
            return "an f-string broken across lines inside its braces"
    return None


def newer_reason(where: str, newer: str) -> str:
    """Why code that only a newer Python parses is not checked: "line 12 is an f-string ..."."""
    return (f"not checked: {where} is {newer}, which Python 3.12 accepts and the Python "
            f"{sys.version_info.major}.{sys.version_info.minor} gradgate runs on here does not")  # fmt: skip


def _swap_inner_quotes(line: str) -> str:
    """The line with each quote inside an f-string's braces changed to the other kind."""
    out, depth, quote = [], 0, ""
    for n, ch in enumerate(line):
        if not quote and ch in "'\"" and re.search(r"(?<![\w])[rRbB]?[fF][rR]?$", line[:n]):
            quote = ch
        elif quote and depth == 0 and ch == quote:
            quote = ""
        elif quote and ch == "{":
            depth += 1
        elif quote and ch == "}" and depth:
            depth -= 1
        elif quote and depth and ch == quote:
            ch = "'" if quote == '"' else '"'
        out.append(ch)
    return "".join(out)
