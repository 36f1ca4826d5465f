"""How values read on the page: an error in scientific notation and the colour class of its band,
an array or parameter value as a short preview.

The same few formats serve the matrix, the histogram, the heatmap and the graph's hover text, so
one number reads the same wherever it appears.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradgate.checks.tolerances import BANDS

from .schema import is_array, to_numpy

# the CSS class of each tolerance band (report.css colours them); n/a: no number to place
BAND_CLASS = {name: f"b{i}" for i, (_, name) in enumerate(BANDS)} | {"n/a": "bna"}
PREVIEW_VALUES = 60  # entries of an array shown as text on the page


def sci(x: float | None) -> str:
    """An error as the page writes it: one decimal in scientific notation, 0 as 0, None as n/a."""
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    return f"{x:.1e}"


def preview(value: Any) -> str:
    """An array or parameter value as short text for the page."""
    if is_array(value):
        arr = to_numpy(value)
        edge = 3 if arr.ndim <= 2 else 2
        return np.array2string(arr, precision=6, separator=", ", threshold=PREVIEW_VALUES, edgeitems=edge, max_line_width=100)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {preview(v) if is_array(v) else repr(v)}" for k, v in value.items()) + "}"
    return repr(value)

