"""Reading a `gradgate.report/1` JSON: the schema's name, the error that says where a report is
wrong, loading one from disk, and its {shape, values} arrays as numpy arrays.

Every other module of the report reads the JSON through these, so a malformed report fails with
one kind of error (ReportError) whose message names the field, whichever part of the page needed it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA = "gradgate.report/1"


class ReportError(Exception):
    """The JSON cannot be rendered: missing, unreadable, or not gradgate.report/1."""


def need(obj: Any, key: str, where: str, kind: type | tuple[type, ...] | None = None) -> Any:
    """obj[key], where `obj` is an object holding `key` (of `kind`, if given); else a ReportError
    that names the place (`where`, as `results[3].counterexample`)."""
    if not isinstance(obj, dict):
        raise ReportError(f"{where} should be an object, got {type(obj).__name__}")
    if key not in obj:
        raise ReportError(f"{where} has no {key!r}")
    value = obj[key]
    if kind is not None and not isinstance(value, kind):
        want = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ReportError(f"{where}.{key} should be {want}, got {type(value).__name__}")
    return value


def load(path: Path | str) -> dict[str, Any]:
    """Read a saved report; ReportError says what is wrong with it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path} is not a {SCHEMA} report (it holds a JSON {type(data).__name__}, not an object)")
    if data.get("schema") != SCHEMA:
        raise ReportError(f"{path} is not a {SCHEMA} report (its schema is {data.get('schema')!r})")
    return data


def is_array(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"shape", "values"}


def to_numpy(value: Mapping[str, Any]) -> np.ndarray:
    """{shape, values} to an array: int64 for labels, else float64 with null (non-finite) as NaN."""
    values = value["values"]
    arr = np.array(values)
    if arr.dtype.kind not in "iu":
        arr = np.array(values, dtype=np.float64)  # None -> NaN; text raises ValueError
    shape = tuple(int(n) for n in value["shape"])
    if arr.size == math.prod(shape):
        arr = arr.reshape(shape)
    return arr

