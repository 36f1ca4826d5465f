"""JSON values as exact Python expressions, for the reproduction snippet: arrays as np.array(...)
literals whose floats read back bit for bit (repr), non-finite entries as np.nan and np.inf.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from .schema import is_array, to_numpy


def _float_text(v: float) -> str:
    return repr(float(v)) if math.isfinite(v) else ("np.nan" if math.isnan(v) else ("np.inf" if v > 0 else "-np.inf"))


def literal(value: Any, prefix: str) -> str:
    """A Python expression for a JSON value, arrays as exact np.array(...) literals."""
    if is_array(value):
        arr = to_numpy(value)
        if arr.size == 0:
            return f"np.zeros({tuple(arr.shape)!r})"
        if arr.ndim == 0:
            return f"np.array({_float_text(float(arr)) if arr.dtype.kind == 'f' else int(arr)})"
        body = np.array2string(
            arr,
            separator=", ",
            threshold=sys.maxsize,
            max_line_width=100,
            prefix=prefix + "np.array(",
            formatter={"float_kind": _float_text},  # type: ignore[arg-type]
        )
        return f"np.array({body})"
    if isinstance(value, dict):
        inner = ", ".join(f"{k!r}: {literal(v, '')}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, "") for v in value) + "]"
    if isinstance(value, float):
        return _float_text(value)
    return repr(value)
