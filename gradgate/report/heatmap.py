"""The heatmap of a failing example's per-entry error: which entries of the gradient (or output)
are wrong, in the tolerance bands' colours, with yours and the expected value in each cell's title.

Sizes stay bounded on large runs: a heatmap shows at most HEATMAP_SIDE x HEATMAP_SIDE cells per 2-D
slice (a window around its worst entry), HEATMAP_SLICES slices and HEATMAP_CELLS cells, and the page
as a whole at most PAGE_CELLS heatmap cells: later heatmaps shrink to SMALL_CELLS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradgate.checks.results import Check
from gradgate.checks.tolerances import FAIL_ABOVE, band

from .display import BAND_CLASS, sci
from .schema import is_array, to_numpy

HEATMAP_SIDE = 64
HEATMAP_SLICES = 16
HEATMAP_CELLS = 4096
PAGE_CELLS = 8192
SMALL_CELLS = 64


@dataclass
class HeatCell:
    x: int
    y: int
    cls: str
    title: str
    wrong: bool


@dataclass
class Slice:
    label: str
    rows: int
    cols: int
    cell: int
    cells: list[HeatCell]
    row_ticks: list[tuple[int, str]]
    col_ticks: list[tuple[int, str]]


@dataclass
class Heatmap:
    input: str
    shape: list[int]
    reference: str
    slices: list[Slice]
    notes: list[str]


def _index_text(name: str, idx: Sequence[int]) -> str:
    return f"{name}[{', '.join(str(i) for i in idx)}]"


def _slice_index(s: int, lead: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(s, lead)) if lead else ()


def _entry(ndim: int, lead: tuple[int, ...], wrap: int, s: int, r: int, c: int) -> tuple[int, ...]:
    """The index into the gradient of cell (r, c) of slice s."""
    if ndim == 0:
        return ()
    if ndim == 1:
        return (r * wrap + c,)
    return (*_slice_index(s, lead), r, c)


def _window(n: int, focus: int, side: int) -> int:
    """Start of a window of `side` entries out of `n` that holds `focus`."""
    if n <= side or focus < side:
        return 0
    return min(focus - side // 2, n - side)


def build(cex: Mapping[str, Any], reference: str, limit_check: Check, budget: list[int]) -> Heatmap | None:
    err_json = cex.get("element_error")
    if not isinstance(err_json, dict) or not is_array(err_json):
        return None
    name = cex.get("input") or "value"
    err = to_numpy(err_json).astype(np.float64)
    if err.size == 0:
        return None
    shape = [int(n) for n in err_json["shape"]]
    analytic = to_numpy(cex["analytic"]).astype(np.float64) if is_array(cex.get("analytic")) else None
    expected = to_numpy(cex["expected"]).astype(np.float64) if is_array(cex.get("expected")) else None
    if analytic is not None and analytic.shape != err.shape:
        analytic = None
    if expected is not None and expected.shape != err.shape:
        expected = None
    notes: list[str] = []
    threshold = FAIL_ABOVE[limit_check]
    cap = HEATMAP_CELLS if budget[0] < PAGE_CELLS else SMALL_CELLS
    if cap == SMALL_CELLS:
        notes.append(f"this page already shows {budget[0]} heatmap cells: this one is cut to {SMALL_CELLS}")

    # Lay out as (slices, rows, cols): a vector of more than a side's worth wraps into rows.
    lead: tuple[int, ...] = ()  # the leading dimensions, one slice per index
    wrap = 0  # entries per row when a vector wraps
    if err.ndim == 0:
        grid = err.reshape(1, 1, 1)
    elif err.ndim == 1:
        n = err.shape[0]
        wrap = min(n, HEATMAP_SIDE)
        padded = np.full(math.ceil(n / wrap) * wrap, np.nan)
        padded[:n] = err
        grid = padded.reshape(1, -1, wrap)
        if n > wrap:
            notes.append(f"{name} has {n} entries: shown in rows of {wrap}, entry = row * {wrap} + column")
    else:
        lead = tuple(err.shape[:-2])
        grid = err.reshape(-1, err.shape[-2], err.shape[-1])

    n_slices, rows, cols = grid.shape
    side = math.isqrt(cap) if cap < HEATMAP_SIDE * HEATMAP_SIDE else HEATMAP_SIDE
    shown_rows, shown_cols = min(rows, side), min(cols, side)
    per_slice = shown_rows * shown_cols
    max_slices = max(1, min(HEATMAP_SLICES, cap // per_slice))
    # Slices with the largest errors first (a wrong window is what the reader is looking for), then in order.
    worst_per_slice = np.nan_to_num(grid, nan=0.0).reshape(n_slices, -1).max(axis=1)
    failing = [s for s in range(n_slices) if worst_per_slice[s] > threshold]
    order = failing + [s for s in range(n_slices) if s not in set(failing)]
    chosen = sorted(order[:max_slices])
    if n_slices > len(chosen):
        notes.append(
            f"showing {len(chosen)} of {n_slices} slices {name}[{', '.join('ijklmn'[d] for d in range(len(lead)))}, :, :]"
            + (" (those with wrong entries first)" if failing else "")
        )
    if rows > shown_rows or cols > shown_cols:
        notes.append(f"each slice is {rows} x {cols}: showing a {shown_rows} x {shown_cols} window around its worst entry")

    cell_px = max(6, min(28, 280 // max(shown_rows, shown_cols)))
    slices = []
    for s in chosen:
        plane = grid[s]
        worst = np.unravel_index(int(np.argmax(np.nan_to_num(plane, nan=-1.0))), plane.shape)
        r0 = _window(rows, int(worst[0]), shown_rows)
        c0 = _window(cols, int(worst[1]), shown_cols)
        cells = []
        for r in range(r0, r0 + shown_rows):
            for c in range(c0, c0 + shown_cols):
                if err.ndim == 1 and r * cols + c >= err.shape[0]:
                    continue
                e = float(plane[r, c])
                full = _entry(err.ndim, lead, wrap, s, r, c)
                parts = [_index_text(name, full) if full else name]
                if analytic is not None:
                    parts.append(f"yours {analytic[full]:.6g}" if full else f"yours {float(analytic):.6g}")
                if expected is not None:
                    ev = float(expected[full]) if full else float(expected)
                    parts.append(f"expected {ev:.6g}" if math.isfinite(ev) else "expected n/a (kink or not computed)")
                if math.isfinite(e) or e == math.inf:  # inf: a non-finite value where the reference is finite
                    parts.append(f"error {'inf' if math.isinf(e) else sci(e)} {band(e)}")
                    cls = BAND_CLASS[band(e)]
                else:
                    parts.append("error n/a")
                    cls = "bna"
                wrong = not math.isnan(e) and e > threshold
                cells.append(HeatCell(c - c0, r - r0, cls, " · ".join(parts), wrong))
        label = f"{name}[{', '.join(str(i) for i in _slice_index(s, lead))}, :, :]" if lead else ""
        if r0 or c0:
            label = (label + " " if label else "") + f"rows {r0}–{r0 + shown_rows - 1}, columns {c0}–{c0 + shown_cols - 1}"
        step = 1 if max(shown_rows, shown_cols) <= 16 else 8
        row_ticks = [(r - r0, str(r)) for r in range(r0, r0 + shown_rows) if (r - r0) % step == 0]
        col_ticks = [(c - c0, str(c)) for c in range(c0, c0 + shown_cols) if (c - c0) % step == 0]
        if err.ndim <= 1:
            row_ticks = row_ticks if err.ndim == 1 and rows > 1 else []
        slices.append(Slice(label, shown_rows, shown_cols, cell_px, cells, row_ticks, col_ticks))
        budget[0] += len(cells)
    return Heatmap(name, shape, reference, slices, notes)
