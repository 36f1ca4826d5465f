"""The HTML report: one self-contained page rendered from the `gradgate.report/1` JSON.

Data first, then render: `render(data)` is a pure function of the JSON (as `jsonreport.to_dict`
writes it, or as read back from a file). `view(data)` turns it into plain view data (matrix cells,
histogram bins, heatmap cells, the reproduction snippet); the Jinja2 template only lays that out.

Everything that comes from a student (names, messages, printed output, values) is untrusted: the
environment autoescapes every substitution, and a Content-Security-Policy allows only the page's own
script (by hash) and no fetch of any kind. The page reads fine with JavaScript off; the script only
sorts and filters the summary matrix.

A result whose gate declares a computational graph (the lecture's circuits, the 2-layer net) gets
it drawn as an inline SVG, laid out here (`_graph`): nodes left to right by dependency depth, each
with its forward value above its wire and torch's gradient below, the student's gradient beside
torch's at the inputs, and the first disagreement going backward from the output outlined.

Sizes stay bounded on large runs: the per-example errors are binned by decade, a heatmap shows at
most HEATMAP_SIDE x HEATMAP_SIDE cells per 2-D slice, HEATMAP_SLICES slices and HEATMAP_CELLS cells,
and the page as a whole at most PAGE_CELLS heatmap cells (later heatmaps shrink to SMALL_CELLS); a
graph draws at most GRAPH_NODES nodes and the page PAGE_GRAPH_NODES, with GRAPH_ENTRIES entries of
an array on a wire and a capped preview in its hover text.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from gradgate.checks.conventions import EXPRESSION
from gradgate.checks.discover import NAMESPACE
from gradgate.checks.results import Check
from gradgate.checks.tolerances import BANDS, FAIL_ABOVE, band

from . import stepsnippet

SCHEMA = "gradgate.report/1"
TEMPLATES = Path(__file__).resolve().parent / "templates"

COLUMNS: tuple[tuple[Check, str], ...] = (
    (Check.CONTRACT, "contract"),
    (Check.FORWARD, "forward vs torch"),
    (Check.BACKWARD_TORCH, "backward vs torch"),
    (Check.BACKWARD_FD, "backward vs finite differences"),
    (Check.MUTATION, "mutation"),
    (Check.DETERMINISM, "determinism"),
)
STATUS_ONLY = (Check.CONTRACT, Check.MUTATION)  # checks that pass or fail without a number
BAND_CLASS = {name: f"b{i}" for i, (_, name) in enumerate(BANDS)} | {"n/a": "bna"}
STATUS_RANK = {"pass": 0, "fail": 2, "error": 3}

HIST_LO, HIST_HI = -17, 1  # decades of the per-example histogram; -17 holds exact agreement
HEATMAP_SIDE = 64
HEATMAP_SLICES = 16
HEATMAP_CELLS = 4096
PAGE_CELLS = 8192
SMALL_CELLS = 64
SNIPPET_VALUES = 4096  # entries of one array written into a snippet; larger ones load from the JSON
PREVIEW_VALUES = 60  # entries of an array shown as text on the page


class ReportError(Exception):
    """The JSON cannot be rendered: missing, unreadable, or not gradgate.report/1."""


# ---------------------------------------------------------------------------------------------
# reading the JSON with messages that say where it is wrong


def _need(obj: Any, key: str, where: str, kind: type | tuple[type, ...] | None = None) -> Any:
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


# ---------------------------------------------------------------------------------------------
# numbers and arrays


def sci(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    return f"{x:.1e}"


def _is_array(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"shape", "values"}


def _to_numpy(value: Mapping[str, Any]) -> np.ndarray:
    """{shape, values} to an array: int64 for labels, else float64 with null (non-finite) as NaN."""
    values = value["values"]
    arr = np.array(values)
    if arr.dtype.kind not in "iu":
        arr = np.array(values, dtype=np.float64)  # None -> NaN; text raises ValueError
    shape = tuple(int(n) for n in value["shape"])
    if arr.size == math.prod(shape):
        arr = arr.reshape(shape)
    return arr


def _float_text(v: float) -> str:
    return repr(float(v)) if math.isfinite(v) else ("np.nan" if math.isnan(v) else ("np.inf" if v > 0 else "-np.inf"))


def preview(value: Any) -> str:
    """An array or parameter value as short text for the page."""
    if _is_array(value):
        arr = _to_numpy(value)
        edge = 3 if arr.ndim <= 2 else 2
        return np.array2string(arr, precision=6, separator=", ", threshold=PREVIEW_VALUES, edgeitems=edge, max_line_width=100)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {preview(v) if _is_array(v) else repr(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _literal(value: Any, prefix: str) -> str:
    """A Python expression for a JSON value, arrays as exact np.array(...) literals."""
    if _is_array(value):
        arr = _to_numpy(value)
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
        inner = ", ".join(f"{k!r}: {_literal(v, '')}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, "") for v in value) + "]"
    if isinstance(value, float):
        return _float_text(value)
    return repr(value)


def _size(value: Any) -> int:
    if _is_array(value):
        return int(_to_numpy(value).size)
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values())
    return 0


# ---------------------------------------------------------------------------------------------
# view data


@dataclass
class Cell:
    text: str
    cls: str  # band class, or a status class
    sort: float
    title: str
    failed: bool = False


@dataclass
class Row:
    index: int
    gate: str
    implementation: str
    status: str
    cells: list[Cell]


@dataclass
class Bar:
    x: float
    y: float
    height: float
    cls: str
    title: str


@dataclass
class Histogram:
    bars: list[Bar]
    count: int
    peak: int
    width: int
    height: int
    ticks: list[tuple[float, str]]
    base: float


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


@dataclass
class Example:
    check: str
    check_label: str
    input: str | None
    message: str
    sizes: list[tuple[str, str]]
    inputs: list[tuple[str, str, str]]  # name, shape or kind, preview
    dout: tuple[str, str] | None
    analytic: str | None
    expected: str | None
    reference: str
    wrong_entries: str
    heatmap: Heatmap | None
    snippet: str


@dataclass
class Implementation:
    index: int
    gate: str
    implementation: str
    status: str
    message: str
    source: str
    examples_run: int
    checks: list[dict[str, Any]]
    histogram: Histogram | None
    example: Example | None
    mutations: list[str]
    output: str
    graph: Graph | None = None
    advisories: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    diagnosis: list[dict[str, str]] = field(default_factory=list)  # kind, detail, message, evidence


@dataclass
class View:
    title: str
    target: str
    seed: Any
    examples: Any
    error: str | None
    summary: dict[str, int]
    columns: list[tuple[str, str]]
    rows: list[Row]
    implementations: list[Implementation]
    unchecked: list[dict[str, str]]
    seconds: Any
    versions: list[tuple[str, str]]
    command: str | None
    legend: list[tuple[str, str, str]]
    thresholds: list[tuple[str, str]]


CHECK_LABEL = {c.value: label for c, label in COLUMNS}


def _cell(check: Check, entries: list[dict[str, Any]], ran: bool, where: str) -> Cell:
    label = CHECK_LABEL[check.value]
    statuses = [_need(e, "status", where, str) for e in entries]
    bad = [s for s in statuses if s != "pass"]
    status = max(bad, key=lambda s: STATUS_RANK.get(s, 1)) if bad else ("pass" if entries or ran else "none")
    errors = [e["max_rel_error"] for e in entries if isinstance(e.get("max_rel_error"), (int, float))]
    parts = [f"{e.get('input') or '-'} {sci(e.get('max_rel_error'))} ({e.get('status')})" for e in entries]
    title = f"{label}: " + ("; ".join(parts) if parts else ("passed" if status == "pass" else "not measured"))
    if check in STATUS_ONLY or not errors:
        if status == "none":
            return Cell("—", "bna", -1.0, f"{label}: not measured")
        text = {"pass": "ok"}.get(status, status.upper())
        return Cell(text, f"s-{status}", float(STATUS_RANK.get(status, 1)), title, failed=status != "pass")
    worst = max(errors)
    failed = status != "pass"
    return Cell(sci(worst) + (" ✗" if failed else ""), BAND_CLASS[band(worst)], 10.0 + worst if failed else worst, title, failed)


def _histogram(errors: Sequence[Any]) -> Histogram | None:
    values = [float(e) for e in errors if isinstance(e, (int, float)) and math.isfinite(e)]
    if not values:
        return None
    counts = [0] * (HIST_HI - HIST_LO)
    for v in values:
        k = min(max(math.floor(v), HIST_LO), HIST_HI - 1)
        counts[k - HIST_LO] += 1
    peak = max(counts)
    bar_w, left, top, plot_h = 13, 30, 8, 60
    bars = []
    for i, n in enumerate(counts):
        k = HIST_LO + i
        if not n:
            continue
        h = max(1.0, plot_h * n / peak)
        if k == HIST_LO:
            span = f"below 1e{HIST_LO + 1} (exact agreement included)"
        elif k == HIST_HI - 1:
            span = f"1e{k} or more"
        else:
            span = f"1e{k} to 1e{k + 1}"
        bars.append(
            Bar(left + i * bar_w + 1, top + plot_h - h, h, BAND_CLASS[band(10.0**k)],
                f"{n} of {len(values)} examples: error {span}")
        )
    ticks = [(float(left + (k - HIST_LO) * bar_w), f"1e{k}") for k in (-16, -12, -8, -4, 0)]
    return Histogram(bars, len(values), peak, left + len(counts) * bar_w + 12, top + plot_h + 18, ticks, top + plot_h)


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


def _heatmap(cex: Mapping[str, Any], reference: str, limit_check: Check, budget: list[int]) -> Heatmap | None:
    err_json = cex.get("element_error")
    if not isinstance(err_json, dict) or not _is_array(err_json):
        return None
    name = cex.get("input") or "value"
    err = _to_numpy(err_json).astype(np.float64)
    if err.size == 0:
        return None
    shape = [int(n) for n in err_json["shape"]]
    analytic = _to_numpy(cex["analytic"]).astype(np.float64) if _is_array(cex.get("analytic")) else None
    expected = _to_numpy(cex["expected"]).astype(np.float64) if _is_array(cex.get("expected")) else None
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


# ---------------------------------------------------------------------------------------------
# the computational graph, drawn as the lecture draws its circuits
#
# Columns by dependency depth: the inputs at the left, each operation as far right as its uses allow
# (so a side branch such as the regularisation loss sits beside what it is added to), the output
# at the right. Every node has an outgoing wire: its forward value above it in green, torch's
# gradient below it in red, and at the inputs the student's gradient beside torch's. Text is
# monospace, so its width is known here and the layout needs no script.

GRAPH_NODES = 40  # nodes one graph draws at most (the registry's largest, TwoLayerNet, has 12)
PAGE_GRAPH_NODES = 600  # nodes the page draws in all: later graphs are left out
GRAPH_ENTRIES = 6  # entries of an array written out on a wire; a larger one shows its shape and the first few
GRAPH_FIRST = 3
GRAPH_PER_LINE = 3
GRAPH_LEFT_DEPTH = 3  # a graph this many operations deep has all its inputs at the left, as the lecture's circuits
BESIDE = 24  # characters of torch's and your gradient that still fit side by side
GRAPH_LABEL = 32  # characters of a name or an operation drawn (the <title> has all of it)
GRAPH_TITLE = 2000  # characters of one line of a node's <title>

CHAR_W = 7.23  # one character of the 12px monospace text on the wires (DejaVu Sans Mono: 0.602 em)
LABEL_W = 7.83  # one character of the 13px monospace labels in and above the nodes
LINE_H = 14.0
COL_GAP = 34.0
ROW_GAP = 16.0
MARGIN = 10.0
GRAD_LIMIT = FAIL_ABOVE[Check.BACKWARD_TORCH]  # where checks/graph.py marks a disagreement


@dataclass
class GraphText:
    x: float
    y: float
    text: str
    cls: str


@dataclass
class GraphNodeView:
    name: str
    kind: str  # "input", "op" or "constant"
    label: str  # what the node shows: the operation, or the input's name
    shape: str  # "circle", "rect" or "none"
    cx: float
    cy: float
    w: float
    h: float
    wire: tuple[float, float] | None  # x from, x to, at cy
    texts: list[GraphText]
    title: str
    disagrees: bool
    wrong: bool  # the student's gradient here is over the limit


@dataclass
class Graph:
    width: float
    height: float
    nodes: list[GraphNodeView]
    edges: list[str]  # SVG path data
    example: str
    first: str | None  # the first disagreement, in words
    compared: bool  # some input has the student's gradient beside torch's
    wrong: bool  # some input's gradient is over the limit
    limit: str
    summary: str
    notes: list[str]


def _num(v: Any) -> str:
    """One entry: 4 significant digits; nan for a non-finite value (null in the JSON)."""
    if v is None:
        return "nan"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return "0" if v == 0 else f"{v:.4g}"


def _wrapped(entries: list[str], first: str = "[", last: str = "]", indent: str = " ") -> list[str]:
    """Entries in lines of GRAPH_PER_LINE, bracketed."""
    chunks = [entries[i : i + GRAPH_PER_LINE] for i in range(0, len(entries), GRAPH_PER_LINE)] or [[]]
    return [
        (first if k == 0 else indent) + ", ".join(chunk) + (last if k == len(chunks) - 1 else ",")
        for k, chunk in enumerate(chunks)
    ]


def _wire_lines(value: Any) -> list[str]:
    """A value as the few short lines written on a wire: a single number as itself, a small array
    written out, a larger one as its shape and first entries (the node's <title> has the rest)."""
    if not _is_array(value):
        text = repr(value)
        return [text if len(text) <= 24 else text[:23] + "…"]
    arr = _to_numpy(value)
    if arr.size == 1:
        return [_num(arr.reshape(-1)[0].item())]
    shape = "(" + ", ".join(str(int(n)) for n in value["shape"]) + ")"
    if arr.size == 0:
        return [f"empty {shape}"]
    flat = [_num(v) for v in arr.reshape(-1)[: GRAPH_ENTRIES + 1].tolist()]
    if arr.size > GRAPH_ENTRIES or arr.ndim > 2:
        more = arr.size > GRAPH_FIRST
        return [f"shape {shape}", "[" + ", ".join(flat[:GRAPH_FIRST]) + (", …]" if more else "]")]
    if arr.ndim == 1:
        return _wrapped(flat)
    lines: list[str] = []
    for r, row in enumerate(arr.tolist()):
        last = r == arr.shape[0] - 1
        lines += _wrapped([_num(v) for v in row], "[[" if r == 0 else " [", "]]" if last else "],", "  ")
    return lines


def _width(lines: Sequence[str], char: float = CHAR_W) -> float:
    return max((len(line) for line in lines), default=0) * char


def _pack(targets: list[float], gaps: list[float]) -> list[float]:
    """Positions closest (least squares) to `targets`, in order, at least gaps[i] apart: pool
    adjacent violators on the positions less their minimal offsets."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    blocks: list[list[float]] = []  # [first, last, sum of (target - offset), count]
    for i, t in enumerate(targets):
        blocks.append([i, i, t - offsets[i], 1])
        while len(blocks) > 1 and blocks[-2][2] / blocks[-2][3] > blocks[-1][2] / blocks[-1][3]:
            b = blocks.pop()
            blocks[-1][1] = b[1]
            blocks[-1][2] += b[2]
            blocks[-1][3] += b[3]
    out: list[float] = []
    for first, last, total, count in blocks:
        base = total / count
        out.extend(base + offsets[i] for i in range(int(first), int(last) + 1))
    return out


def _graph_title(name: str, kind: str, label: str, sources: list[str], node: Mapping[str, Any]) -> str:
    """Everything about a node, for its <title> tooltip: the full values (as far as preview goes)."""
    value, grad, student, err = node.get("value"), node.get("grad"), node.get("student_grad"), node.get("rel_error")
    shape = f", shape ({', '.join(str(int(s)) for s in value['shape'])})" if isinstance(value, dict) and _is_array(value) else ""
    head = f"{name}: input{shape}" if kind == "input" else f"{name} = {label}, from {', '.join(sources)}{shape}"
    lines = [head, f"value: {preview(value)}"]
    lines.append(f"gradient (torch): {preview(grad)}" if _is_array(grad) else "gradient: none (not differentiated)")
    if _is_array(student):
        lines.append(f"yours: {preview(student)}")
        lines.append(f"relative error: {sci(float(err))} ({band(float(err))})" if isinstance(err, (int, float)) and _is_number(err) else "relative error: n/a")
    if node.get("disagrees") is True:
        lines.append("first disagreement, going backward from the output")
    return "\n".join(_clip(line, GRAPH_TITLE) for line in lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _graph(result: Mapping[str, Any], where: str, budget: list[int]) -> Graph | None:
    """The result's computational graph laid out for the page, None when it has none."""
    raw = result.get("graph")
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        raise ReportError(f"{where}.graph should be list, got {type(raw).__name__}")
    example = "the minimal failing example" if result.get("counterexample") else "the simplest example"
    if len(raw) > GRAPH_NODES or budget[0] + len(raw) > PAGE_GRAPH_NODES:
        why = f"it has {len(raw)} nodes, more than {GRAPH_NODES}" if len(raw) > GRAPH_NODES else f"this page already draws {budget[0]} graph nodes"
        return Graph(0, 0, [], [], example, None, False, False, "", "", [f"The computational graph is not drawn: {why}."])
    budget[0] += len(raw)

    # The nodes in order, and the constants they use that the graph does not trace (TwoLayerNet's
    # reg): node i uses uses[i], all earlier in the list.
    names: list[str] = []
    ops: list[str | None] = []
    uses: list[list[int]] = []
    items: list[Mapping[str, Any] | None] = []
    index: dict[str, int] = {}
    for j, node in enumerate(raw):
        loc = f"{where}.graph[{j}]"
        name = str(_need(node, "name", loc))
        op = _need(node, "op", loc)
        preds: list[int] = []
        for inp in _need(node, "inputs", loc, list):
            k = index.get(str(inp))
            if k is None:
                k = index[str(inp)] = len(names)
                names.append(str(inp))
                ops.append(None)
                uses.append([])
                items.append(None)
            if k not in preds:
                preds.append(k)
        index.setdefault(name, len(names))
        names.append(name)
        ops.append(None if op is None else str(op))
        uses.append(preds)
        items.append(node)
    n = len(names)
    consumers: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for k in uses[i]:
            consumers[k].append(i)

    # Columns: operations as far right as their uses allow (a side branch such as the
    # regularisation loss sits beside what it is added to); inputs at the left, except in a deep
    # graph, where each enters just before its first use (as W2 does in the lecture's 2-layer net).
    depth = [0] * n
    for i in range(n):
        if ops[i] is not None:
            depth[i] = 1 + max((depth[k] for k in uses[i] if ops[k] is not None), default=0)
    last = max(depth)
    col = [0] * n
    for i in reversed(range(n)):
        later = [col[c] for c in consumers[i]]
        if ops[i] is not None:
            col[i] = min(later) - 1 if later else last
        elif later and (items[i] is None or last > GRAPH_LEFT_DEPTH):
            col[i] = max(0, min(later) - 1)

    # What each node shows. Your gradient goes beside torch's when every one fits there, else under it.
    values = [_wire_lines(node.get("value")) if node is not None else [] for node in items]
    grads = [_wire_lines(node.get("grad")) if node is not None and _is_array(node.get("grad")) else [] for node in items]
    wrong = [False] * n
    yours: list[list[str]] = [[] for _ in range(n)]
    for i, node in enumerate(items):
        if node is not None and _is_array(node.get("student_grad")):
            err = node.get("rel_error")
            wrong[i] = not (_is_number(err) and err <= GRAD_LIMIT)
            body = _wire_lines(node["student_grad"])
            yours[i] = ["yours " + body[0]] + ["      " + line for line in body[1:]]
            yours[i][-1] += " ✗" if wrong[i] else " ✓"
    # an input torch differentiates where the others have yours and this one has not (it was not finite)
    missing = [i for i in range(n) if any(yours) and ops[i] is None and items[i] is not None and grads[i] and not yours[i]]
    for i in missing:
        yours[i] = ["yours n/a"]
    beside = all(
        len(grads[i]) == 1 and len(yours[i]) == 1 and len(grads[i][0]) + len(yours[i][0]) <= BESIDE for i in range(n) if yours[i]
    )
    nodes: list[GraphNodeView] = []
    above: list[float] = []  # room each node needs above and below its wire
    below: list[float] = []
    wire_len: list[float] = []
    for i in range(n):
        name, node = names[i], items[i]
        shown = _clip(name, GRAPH_LABEL)
        if node is None:
            nodes.append(GraphNodeView(shown, "constant", shown, "none", 0, 0, len(shown) * LABEL_W + 4, 16, None, [],
                                       _clip(f"{name}: a constant of the model, not traced", GRAPH_TITLE), False, False))  # fmt: skip
            above.append(10.0)
            below.append(8.0)
            wire_len.append(0.0)
            continue
        name_w = len(shown) * LABEL_W
        if ops[i] is None:
            kind, label, shape, w, h = "input", shown, "rect", max(28.0, name_w + 14), 24.0
        else:
            kind, label = "op", _clip(str(ops[i]), GRAPH_LABEL)
            shape, w, h = ("circle", 30.0, 30.0) if len(label) <= 2 else ("rect", len(label) * LABEL_W + 16, 26.0)
            w = max(w, name_w)
        grad_lines = grads[i] or ["no gradient"]
        grad_w = _width(grad_lines)
        texts = [GraphText(0, -5 - (len(values[i]) - 1 - k) * LINE_H, line, "val") for k, line in enumerate(values[i])]
        texts += [GraphText(0, 14 + k * LINE_H, line, "grad" if grads[i] else "nograd") for k, line in enumerate(grad_lines)]
        cls = "yours bad" if wrong[i] else ("yours na" if i in missing else "yours")
        if beside:
            texts += [GraphText(grad_w + 16, 14 + k * LINE_H, line, cls) for k, line in enumerate(yours[i])]
            span = grad_w + (16 + _width(yours[i]) if yours[i] else 0)
            rows = len(grad_lines)
        else:
            texts += [GraphText(0, 14 + (len(grad_lines) + k) * LINE_H, line, cls) for k, line in enumerate(yours[i])]
            span = max(grad_w, _width(yours[i]))
            rows = len(grad_lines) + len(yours[i])
        wire_len.append(max(34.0, max(span, _width(values[i])) + 16))
        above.append(max(h / 2 + (17 if kind == "op" else 0), len(values[i]) * LINE_H + 5))
        below.append(max(h / 2, rows * LINE_H + 5))
        title = _graph_title(name, kind, str(ops[i]), [names[k] for k in uses[i]], node)
        nodes.append(GraphNodeView(shown, kind, label, shape, 0, 0, w, h, None, texts, title, node.get("disagrees") is True, wrong[i]))

    # Edges that skip columns pass through each at a point of their own, as in a layered drawing,
    # so that nodes keep clear of them: points n, n + 1, ... are these passes.
    route: dict[tuple[int, int], list[int]] = {}
    for i in range(n):
        for k in uses[i]:
            route[(k, i)] = []
            for c in range(col[k] + 1, col[i]):
                route[(k, i)].append(len(col))
                col.append(c)
                above.append(4.0)
                below.append(4.0)
    total = len(col)
    links: list[list[int]] = [[] for _ in range(total)]
    for (k, i), via in route.items():
        chain = [k, *via, i]
        for here, there in itertools.pairwise(chain):
            links[here].append(there)
            links[there].append(here)

    # x: each column as wide as its widest node and wire; the wires of a column end together
    columns = max(col) + 1
    members = [[i for i in range(total) if col[i] == c] for c in range(columns)]
    span_x: list[tuple[float, float]] = []
    left = MARGIN
    for c in range(columns):
        real = [i for i in members[c] if i < n]
        widest = max((nodes[i].w for i in real), default=0.0)
        end = left + widest / 2 + max((nodes[i].w / 2 + wire_len[i] for i in real), default=0.0)
        for i in real:
            view = nodes[i]
            if view.kind == "constant":
                view.cx = round(end - view.w / 2, 1)  # right-aligned, next to what uses it
            else:
                view.cx = round(left + widest / 2, 1)
                view.wire = (round(view.cx + view.w / 2, 1), round(end, 1))
        span_x.append((left, end))
        left = end + COL_GAP
    width = round(left - COL_GAP + MARGIN, 1)

    # y: alternate sweeps put each node (and pass) at the mean height of its neighbours, keeping
    # the column's order and clear of each other; the first sweeps may reorder a column
    y = [0.0] * total
    for c in range(columns):
        at = 0.0
        for i in members[c]:
            y[i] = at + above[i]
            at = y[i] + below[i] + ROW_GAP
    for sweep in range(20):
        for c in range(columns) if sweep % 2 == 0 else reversed(range(columns)):
            ids = members[c]
            target = {i: sum(y[k] for k in links[i]) / len(links[i]) if links[i] else y[i] for i in ids}
            if sweep < 8:
                ids.sort(key=lambda i: (round(target[i], 3), y[i], i))
            gaps = [below[upper] + ROW_GAP + above[lower] for upper, lower in itertools.pairwise(ids)]
            for i, at in zip(ids, _pack([target[i] for i in ids], gaps), strict=True):
                y[i] = at
    top = min(y[i] - above[i] for i in range(total)) - MARGIN
    y = [round(at - top, 1) for at in y]
    height = round(max(y[i] + below[i] for i in range(total)) + MARGIN, 1)
    for i in range(n):
        view = nodes[i]
        view.cy = y[i]
        for text in view.texts:
            text.x = round(view.wire[0] + 7 + text.x, 1) if view.wire else text.x
            text.y = round(view.cy + text.y, 1)

    # Edges: from the end of a wire, through the columns skipped, into the node that uses it,
    # entering it spread over its left side in the order they come from.
    def curve(x1: float, y1: float, x2: float, y2: float) -> str:
        bend = max(10.0, (x2 - x1) * 0.5)
        return f" C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"

    edges = []
    for i in range(n):
        dest = nodes[i]
        entry = {k: y[route[(k, i)][-1]] if route[(k, i)] else y[k] for k in uses[i]}
        srcs = sorted(uses[i], key=lambda k: (entry[k], k))
        for s_no, k in enumerate(srcs):
            src = nodes[k]
            x1, y1 = (src.wire[1] if src.wire else src.cx + src.w / 2 + 3), y[k]
            path = f"M{x1:.1f},{y1:.1f}"
            for p in route[(k, i)]:
                start, end = span_x[col[p]]
                path += curve(x1, y1, start, y[p]) + f" L{end:.1f},{y[p]:.1f}"
                x1, y1 = end, y[p]
            dy = 0.0 if len(srcs) == 1 else (s_no / (len(srcs) - 1) - 0.5) * dest.h * 0.6
            x2 = dest.cx - (math.sqrt(max(0.0, (dest.h / 2) ** 2 - dy * dy)) if dest.shape == "circle" else dest.w / 2)
            edges.append(path + curve(x1, y1, x2, dest.cy + dy))

    first = next((i for i in range(n) if nodes[i].disagrees), None)
    first_text = None
    if first is not None and items[first] is not None:
        node = items[first] or {}
        first_text = (
            f"{_clip(names[first], GRAPH_LABEL)}: yours {' '.join(_wire_lines(node.get('student_grad')))}, "
            f"torch {' '.join(_wire_lines(node.get('grad')))}"
        )
        if _is_number(node.get("rel_error")):
            first_text += f" (relative error {sci(float(node['rel_error']))})"
    inputs = [v.name for v in nodes if v.kind == "input"]
    summary = f"computational graph from {', '.join(inputs)} to {_clip(names[-1], GRAPH_LABEL)}, {n} nodes"
    if first is not None:
        summary += f"; first disagreement, going backward from the output: {_clip(names[first], GRAPH_LABEL)}"
    compared = any(yours)
    notes = []
    if not compared:
        notes.append("Your gradients could not be set beside torch's on this example.")
    elif missing:
        notes.append(f"Your gradient of {', '.join(nodes[i].name for i in missing)} could not be set beside torch's on this example"
                     " (it was missing or not finite): see the checks above.")  # fmt: skip
    elif first is None and not any(wrong) and result.get("status") != "pass":
        notes.append("Your gradients agree with torch's at every input on this example: what failed is in the checks above.")
    limit = f"{GRAD_LIMIT:.0e}".replace("e-0", "e-")
    return Graph(width, height, nodes, edges, example, first_text, compared, any(wrong), limit, summary, notes)


# ---------------------------------------------------------------------------------------------
# the reproduction snippet


def _convention(result: Mapping[str, Any], inputs: Mapping[str, Any], differentiable: Sequence[str]) -> str:
    """How the student's code is called: recorded by the engine; inferred for reports that predate it."""
    declared = result.get("convention")
    if isinstance(declared, str):
        return declared
    impl = str(result["implementation"])
    if impl.endswith(("_forward", "_forward_naive")) or impl.startswith(f"{result['gate']}_backward"):
        return "layer pair"
    if impl[:1].isupper():
        arrays = [k for k, v in inputs.items() if _is_array(v)]
        labels = [k for k in arrays if _to_numpy(inputs[k]).dtype.kind == "i"]
        if labels or (differentiable and any(k not in differentiable for k in arrays)):
            return "model"
        return "gate class"
    return "loss function"


def _differentiable(result: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[str] | None:
    """The differentiated inputs in call order, None if the JSON does not tell.

    The finite-difference check names them all (its input is the joint direction "dx,dw,db"), and so
    do the backward-vs-torch checks together; a run that stopped at a contract failure names neither.
    """
    for holder in (result.get("counterexample") or {}, result):
        declared = holder.get("differentiable")
        if isinstance(declared, list):
            return [str(k) for k in declared]
    fd = [c for c in result.get("checks", []) if c.get("check") == Check.BACKWARD_FD.value and c.get("input")]
    torch = [str(c["input"]) for c in result.get("checks", []) if c.get("check") == Check.BACKWARD_TORCH.value and c.get("input")]
    grads = [g.strip() for g in str(fd[0]["input"]).split(",")] if fd else torch
    if not grads:
        return None
    names = {g[1:] for g in grads if g.startswith("d")}
    return [k for k in inputs if k in names]


def _construct(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """A model's constructor arguments, where the JSON records them (a counterexample of a model)."""
    for holder in (result.get("counterexample") or {}, result):
        construct = holder.get("construct")
        if isinstance(construct, dict):
            return construct
    return None


def _module(target: str, source: str) -> tuple[str, str]:
    """(folder for sys.path, module name) of the student's file, as discovery imported it."""
    src, tgt = PurePath(source), PurePath(target)
    if src != tgt and tgt in src.parents:
        parts = list(src.relative_to(tgt).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(p.isidentifier() for p in parts):
            return str(tgt), ".".join(parts)
    return str(src.parent), src.stem


def _cell_text(cell: Any) -> str:
    """' cell [12] (index 5) line 3' for a definition in a notebook, else ''."""
    if not isinstance(cell, dict):
        return ""
    count = cell.get("execution_count")
    return f" cell [{count if count is not None else ' '}] (index {cell.get('index')}) line {cell.get('line')}"


# How the page names an unchecked entry's kind (the JSON's `kind`; absent in older reports: implementation).
UNCHECKED_KINDS = {"implementation": "implementation", "module": "module", "course_file": "course file"}


def _pair_names(gate: str, label: str) -> tuple[str, str]:
    """(forward, backward) of a layer pair from its label: the forward's name, or an alternative
    backward's name (batchnorm_backward_alt, beside batchnorm_forward), as discovery labels them."""
    for suffix in ("_forward_naive", "_forward"):
        if label.endswith(suffix):
            return label, label[: -len(suffix)] + suffix.replace("forward", "backward")
    if "_forward_" in label:  # a forward of the student's own suffix (batchnorm_forward_alt)
        return label, label.replace("_forward_", "_backward_", 1)
    return f"{gate}_forward", label


def _expected_shape(message: str) -> tuple[int, ...] | None:
    """The shape a contract message says was expected ("... returned shape (1, 2), expected (1, 3)")."""
    found = re.search(r"expected \(([\d, ]*)\)", message)
    if found is None:
        return None
    return tuple(int(n) for n in found.group(1).replace(" ", "").split(",") if n)


def _comment(text: str) -> str:
    return "\n".join("# " + line if line else "#" for line in text.splitlines()) or "#"


def _engine_forward(cls: str, inputs: Mapping[str, Any], grads: Sequence[str]) -> list[str]:
    """A scalar engine's expression as a function of its inputs: a `cls` per entry of the
    differentiable ones, plain numbers for the others (checks.scalar_engine)."""
    args = [k for k in inputs if k != EXPRESSION]
    out = [f"def build({', '.join(args)}):", f"    # gradgate's leaves: a {cls} per entry of {', '.join(grads) or 'none'}; the other inputs are plain numbers"]
    for k in args:
        value = inputs[k]
        many = _is_array(value) and _to_numpy(value).ndim > 0  # (a scalar input is a plain number in the JSON)
        if k not in grads and not _is_array(value):
            continue  # a number or an exponent, as it is
        make = cls if k in grads else "float"
        out.append(f"    {k} = [{make}(float(v)) for v in np.ravel({k})]" if many else f"    {k} = {make}(float({k}))")
    program = inputs.get(EXPRESSION)
    out.extend(f"    {line}" for line in (program if isinstance(program, list) else []))
    out.append(f"    return out, ({''.join(f'{k}, ' for k in grads)})")
    out.append("")
    out.append(f"graph, leaves = build({', '.join(args)})")
    out.append("out = np.array(graph.data)")
    return out


def snippet(data: Mapping[str, Any], index: int, json_name: str = "report.json") -> str:
    """Python that reproduces result `index`'s minimal failing example against the student's file.

    It builds the inputs with np.array(...) (exact values), imports the student's code from its
    module, calls forward then backward with the recorded dout, and ends in an assertion that fails
    (or the student's own exception) while the bug is there.
    """
    result = data["results"][index]
    cex = result["counterexample"]
    inputs: dict[str, Any] = dict(cex["inputs"])
    known = _differentiable(result, inputs)
    grads = known or []
    convention = _convention(result, inputs, grads)
    check = cex["check"]
    failing = cex.get("input")
    declared_outputs = result.get("outputs")
    outputs = declared_outputs if isinstance(declared_outputs, int) and declared_outputs > 1 else 1
    impl = str(result["implementation"])
    configuration = result.get("configuration")
    if isinstance(configuration, str) and impl.endswith(f"[{configuration}]"):
        impl = impl[: -len(configuration) - 2]  # the class, without the configuration it was checked in
    folder, module = _module(str(data.get("target", "")), str(result.get("source", "")))
    forward, backward = _pair_names(str(result["gate"]), impl)

    lines: list[str] = []
    add = lines.append
    add(f"# gradgate: minimal failing example for {result['gate']} ({impl}), seed {data.get('seed')}")
    add(_comment(f"{check}: {cex.get('message', '')}"))
    add("# Run it from the folder gradgate ran in: the path below is the one gradgate saw.")
    big = [k for k, v in inputs.items() if _size(v) > SNIPPET_VALUES]
    if cex.get("dout") is not None and _size(cex["dout"]) > SNIPPET_VALUES:
        big.append("dout")
    needs_inspect = convention == "model" and _construct(result) is None
    if needs_inspect:
        add("import inspect")
    if big:
        add("import json")
    add("import sys")
    add("")
    add("import numpy as np")
    add("")
    steps = stepsnippet.lines(str(result["gate"]), impl, list(inputs), grads) if convention == "functions" else None
    names = f"{forward}, {backward}" if convention == "layer pair" else ", ".join(steps.names) if steps else impl
    if convention == "scalar engine":
        names = impl.split(".", 1)[0]  # Value.__mul__: the class
    if result.get("source") == NAMESPACE:
        add(f"# Run it in the notebook whose kernel defines {names}.")
    elif str(result.get("source", "")).endswith(".ipynb"):
        add(f"sys.path.insert(0, {folder!r})")
        # a notebook is no module: its definitions, read as gradgate read them, without running it
        add("from gradgate import load_notebook")
        add(f"nb = load_notebook({str(result.get('source'))!r})")
        add(f"{names} = {', '.join(f'nb.{n.strip()}' for n in names.split(','))}")
    else:
        add(f"sys.path.insert(0, {folder!r})")
        add(f"from {module} import {names}")
    add("")
    if big:
        add(f"report = json.load(open({json_name!r}))  # the JSON report this page was made from")
        add(f"example = report['results'][{index}]['counterexample']")

    def assign(name: str, value: Any, path: str) -> None:
        if name in big:
            dtype = "" if _to_numpy(value).dtype.kind == "i" else ", dtype=float"
            add(f"{name} = np.array({path}['values']{dtype}).reshape({tuple(value['shape'])!r})")
        else:
            add(f"{name} = {_literal(value, name + ' = ')}")

    for k, v in inputs.items():
        assign(k, v, f"example['inputs'][{k!r}]")
    dout = cex.get("dout")
    if dout is not None:
        assign("dout", dout, "example['dout']")
    add("")
    if convention == "functions" and steps is None:
        # a registry entry this gradgate does not have: the inputs above, with the message
        add(_comment(f"gradgate: {cex.get('message', '')}"))
        return "\n".join(lines) + "\n"

    args = ", ".join(inputs)
    grad_names = [f"d{k}" for k in grads]
    arrays = [k for k, v in inputs.items() if _is_array(v)]
    mutation_of = failing if check == Check.MUTATION.value else None
    if mutation_of in arrays:
        add(f"{mutation_of}_before = {mutation_of}.copy()")

    # forward
    if convention == "layer pair":
        if outputs > 1:
            outs = [f"out{n}" for n in range(1, outputs + 1)]
            add(f"{', '.join(outs)}, cache = {forward}({args})")
            add("# gradgate sees one output: the outputs flattened and concatenated")
            add(f"out = np.concatenate([{', '.join(f'np.ravel({o})' for o in outs)}])")
        else:
            add(f"out, cache = {forward}({args})")
    elif convention == "gate class":
        add(f"gate = {impl}()")
        add(f"out = gate.forward({args})")
    elif steps is not None:
        lines.extend(steps.forward)
    elif convention == "scalar engine":
        lines.extend(_engine_forward(names, inputs, grads))
    elif convention == "loss function":
        unpack = (grad_names[0] if len(grad_names) == 1 else "(" + ", ".join(grad_names) + ",)") if grad_names else "grads"
        add(f"out, {unpack} = {impl}({args})  # (loss, gradient)")
    else:
        construct = _construct(result)
        if construct is not None:
            add(f"model = {impl}(**{_literal(construct, '')})")
        else:
            add("# gradgate's JSON does not record the constructor arguments it used: pass the drawn sizes")
            add("# the constructor has a parameter for (reg, ...); the weights are set below anyway")
            add(f"sizes = {_literal(cex.get('sizes', {}), 'sizes = ')}")
            add(f"model = {impl}(**{{k: v for k, v in sizes.items() if k in inspect.signature({impl}).parameters}})")
        add("# gradgate's values, in the shapes your constructor made (a (1, D) gamma for the course's (D,))")
        for k in grads:
            add(f"model.params[{k!r}] = {k}.reshape(np.shape(model.params[{k!r}]))")
        data_args = ", ".join(k for k in inputs if k not in grads)
        add(f"out, grads = model.loss({data_args})  # (loss, grads)")

    if mutation_of in arrays:
        add(f"assert np.array_equal({mutation_of}, {mutation_of}_before), 'forward changed its argument {mutation_of} in place'")
        return "\n".join(lines) + "\n"

    reference = "torch" if check in (Check.BACKWARD_TORCH.value, Check.FORWARD.value) else "finite differences"
    compare: str | None = None
    if check == Check.DETERMINISM.value:
        again = {
            "layer pair": f"out2 = {forward}({args})[0]" if outputs == 1 else f"out2 = np.concatenate([np.ravel(o) for o in {forward}({args})[:-1]])",
            "gate class": f"out2 = {impl}().forward({args})",
            "loss function": f"out2 = {impl}({args})[0]",
            "model": f"out2 = model.loss({', '.join(k for k in inputs if k not in grads)})[0]",
            "functions": "\n".join([*steps.forward[:-1], steps.forward[-1].replace("out = ", "out2 = ", 1)]) if steps else "",
            "scalar engine": f"out2 = np.array(build({', '.join(k for k in inputs if k != EXPRESSION)})[0].data)",
        }[convention]
        add(again)
        add("assert np.array_equal(out, out2), 'the same input gave a different output on a second forward'")
        return "\n".join(lines) + "\n"
    out_shape = _expected_shape(str(cex.get("message", ""))) if check == Check.CONTRACT.value and failing == "out" else None
    if out_shape is not None:
        add(f"assert np.shape(out) == {out_shape!r}, f'forward returned shape {{np.shape(out)}}, expected {out_shape!r}'")
        return "\n".join(lines) + "\n"
    if check == Check.FORWARD.value and failing in inputs and not _is_array(inputs[failing]):
        # a parameter the forward must update (batchnorm's running statistics): the reference's
        # version of it is not in the JSON, only the message
        add(f"print({failing!r}, 'after forward:', {failing})")
        add(_comment(f"gradgate: {cex.get('message', '')}"))
        return "\n".join(lines) + "\n"
    if check == Check.FORWARD.value:
        if _is_array(cex.get("expected")):
            compare = "out"
    elif dout is not None:
        # backward
        if mutation_of == "dout":
            add("dout_before = dout.copy()")
        if convention == "layer pair":
            target = ", ".join(grad_names) if len(grad_names) > 1 else (grad_names[0] if grad_names else "grads")
            if outputs > 1:
                douts = [f"dout{n}" for n in range(1, outputs + 1)]
                cuts = ", ".join(" + ".join(f"out{m}.size" for m in range(1, n + 1)) for n in range(1, outputs))
                add(f"{', '.join(douts)} = np.split(dout, [{cuts}])")
                shaped = ", ".join(f"{d}.reshape(out{n}.shape)" for n, d in enumerate(douts, 1))
                add(f"{target} = {backward}({shaped}, cache)")
            else:
                add(f"{target} = {backward}(dout, cache)")
        elif convention == "gate class":
            target = ", ".join(grad_names) if len(grad_names) > 1 else (grad_names[0] if grad_names else "grads")
            add(f"{target} = gate.backward(dout)")
        elif steps is not None:
            lines.extend(steps.backward)
        elif convention == "scalar engine":
            add("graph.backward()")
            add("# gradgate treats the expression as a layer: each leaf's grad, times an upstream gradient dout")
            for n, k in enumerate(grads):
                value = inputs[k]
                many = _is_array(value) and _to_numpy(value).ndim > 0
                add(f"d{k} = dout * np.array({f'[v.grad for v in leaves[{n}]]' if many else f'leaves[{n}].grad'})")
        elif convention == "loss function":
            add("# gradgate treats the loss as a layer: its gradient, times an upstream gradient dout")
            for g in grad_names:
                add(f"{g} = dout * {g}")
        else:
            add("# gradgate treats the loss as a layer: its gradients, times an upstream gradient dout")
            for k in grads:
                add(f"d{k} = dout * np.reshape(grads[{k!r}], np.shape({k}))")
        if mutation_of == "dout":
            add("assert np.array_equal(dout, dout_before), 'backward changed dout in place'")
            return "\n".join(lines) + "\n"
        if mutation_of == "cache" and convention in ("layer pair", "gate class"):
            call = f"{backward}(dout.copy(), cache)" if convention == "layer pair" else "gate.backward(dout.copy())"
            add(f"again = {call}")
            first = "(" + ", ".join(grad_names) + ",)" if len(grad_names) != 1 else f"({grad_names[0]},)"
            add("again = again if isinstance(again, tuple) else (again,)")
            add(f"assert all(np.array_equal(a, b) for a, b in zip({first}, again)), "
                "'a second backward on the same cache gave different gradients'")
            return "\n".join(lines) + "\n"
        if failing in grad_names and _is_array(cex.get("expected")):
            compare = failing
    if compare is not None:
        limit = FAIL_ABOVE[Check.FORWARD if check == Check.FORWARD.value else (Check.BACKWARD_TORCH if reference == "torch" else Check.BACKWARD_FD)]
        add("")
        source = "finite differences of your forward"
        if reference == "torch":
            source = "the torch reference" if check == Check.FORWARD.value else "torch autograd"
        variant = result.get("variant")
        add(f"# what {source} gives for {compare} here" + (f" (its variant {variant})" if isinstance(variant, str) else ""))
        assign_name = f"{compare}_expected"
        if _size(cex["expected"]) > SNIPPET_VALUES:
            big.append(assign_name)
        assign(assign_name, cex["expected"], "example['expected']")
        add(f"known = np.isfinite({assign_name})  # NaN where finite differences sit on a kink")
        add(f"rel = np.abs({compare} - {assign_name}) / np.maximum(1e-8, np.abs({compare}) + np.abs({assign_name}))")
        add("worst = float(np.max(rel[known], initial=0.0))")
        add(f"print('{compare} yours   ', {compare})")
        add(f"print('{compare} expected', {assign_name})")
        add(f"assert worst <= {limit!r}, f'{compare} is wrong: max relative error {{worst:.1e}}'")
    elif check == Check.CONTRACT.value and grad_names and dout is not None:
        add("")
        for k, g in zip(grads, grad_names, strict=True):
            add(f"assert np.shape({g}) == np.shape({k}) and np.all(np.isfinite({g})), "
                f"f'{g}: shape {{np.shape({g})}}, expected {{np.shape({k})}}, finite: {{np.all(np.isfinite({g}))}}'")
    elif check == Check.CONTRACT.value and dout is not None and convention in ("layer pair", "gate class"):
        floats = [k for k in arrays if _to_numpy(inputs[k]).dtype.kind == "f"]
        add("")
        add("# which inputs get a gradient is not in gradgate's JSON: the array inputs, in order")
        add("grads = grads if isinstance(grads, (tuple, list)) else (grads,)")
        add(f"for name, g, a in zip({floats!r}, grads, ({', '.join(floats)},)):")
        add("    print(f'd{name}: shape {np.shape(g)}, expected {np.shape(a)}')")
        add("    assert np.shape(g) == np.shape(a) and np.all(np.isfinite(g)), "
            "f'd{name}: shape {np.shape(g)}, expected {np.shape(a)}, finite: {bool(np.all(np.isfinite(g)))}'")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------


def _example(data: Mapping[str, Any], index: int, result: Mapping[str, Any], budget: list[int], json_name: str) -> Example | None:
    cex = result.get("counterexample")
    if not cex:
        return None
    where = f"results[{index}].counterexample"
    check = _need(cex, "check", where, str)
    if check not in CHECK_LABEL:
        raise ReportError(f"{where}.check is {check!r}, not one of {', '.join(CHECK_LABEL)}")
    inputs = _need(cex, "inputs", where, dict)
    sizes = _need(cex, "sizes", where, dict)
    shown_inputs = []
    for k, v in inputs.items():
        if _is_array(v):
            shown_inputs.append((k, str(tuple(v["shape"])), preview(v)))
        else:
            shown_inputs.append((k, type(v).__name__, preview(v)))
    dout = cex.get("dout")
    reference = "torch autograd" if check in (Check.BACKWARD_TORCH.value, Check.FORWARD.value) else "finite differences of your forward"
    if check == Check.FORWARD.value:
        reference = "the torch reference forward"
    limit = Check.FORWARD if check == Check.FORWARD.value else Check.BACKWARD_TORCH
    wrong = cex.get("wrong_entries") or []
    wrong_text = ", ".join("(" + ", ".join(str(i) for i in e) + ")" for e in wrong[:20])
    if len(wrong) >= 20:
        wrong_text += " …"
    return Example(
        check=check,
        check_label=CHECK_LABEL[check],
        input=cex.get("input"),
        message=str(_need(cex, "message", where)),
        sizes=[(str(k), repr(v)) for k, v in sizes.items()],
        inputs=shown_inputs,
        dout=(str(tuple(dout["shape"])), preview(dout)) if _is_array(dout) else None,
        analytic=preview(cex["analytic"]) if _is_array(cex.get("analytic")) else None,
        expected=preview(cex["expected"]) if _is_array(cex.get("expected")) else None,
        reference=reference,
        wrong_entries=wrong_text,
        heatmap=_heatmap(cex, reference, limit, budget),
        snippet=snippet(data, index, json_name),
    )


def view(data: Mapping[str, Any], json_name: str = "report.json") -> View:
    """The page's content as plain data (raises ReportError on a malformed report)."""
    if _need(data, "schema", "the report") != SCHEMA:
        raise ReportError(f"not a {SCHEMA} report (schema {data.get('schema')!r})")
    results = _need(data, "results", "the report", list)
    budget = [0]
    graph_budget = [0]
    rows: list[Row] = []
    impls: list[Implementation] = []
    for i, r in enumerate(results):
        where = f"results[{i}]"
        status = _need(r, "status", where, str)
        checks = _need(r, "checks", where, list)
        examples_run = int(_need(r, "examples_run", where, int))
        by_check: dict[str, list[dict[str, Any]]] = {}
        for j, c in enumerate(checks):
            name = _need(c, "check", f"{where}.checks[{j}]", str)
            if name not in CHECK_LABEL:
                raise ReportError(f"{where}.checks[{j}].check is {name!r}, not one of {', '.join(CHECK_LABEL)}")
            by_check.setdefault(name, []).append(c)
        ran = examples_run > 0 and status == "pass" or any(c.get("status") == "pass" for c in checks)
        cells = [_cell(check, by_check.get(check.value, []), ran if check in STATUS_ONLY else False, where) for check, _ in COLUMNS]
        gate = str(_need(r, "gate", where))
        impl = str(_need(r, "implementation", where))
        rows.append(Row(i, gate, impl, status, cells))
        table = []
        for c in checks:
            e = c.get("max_rel_error")
            table.append({
                "check": CHECK_LABEL[c["check"]],
                "input": c.get("input") or "",
                "error": sci(e) if e is not None else "—",
                "band": band(e) if e is not None else "",
                "cls": BAND_CLASS[band(e)] if e is not None else "bna",
                "status": c.get("status", ""),
            })
        mutations = [
            f"{c.get('input')}" for c in checks if c.get("check") == Check.MUTATION.value and c.get("status") != "pass"
        ]
        impls.append(
            Implementation(
                index=i,
                gate=gate,
                implementation=impl,
                status=status,
                message=str(r.get("message") or ""),
                source=str(r.get("source") or "") + _cell_text(r.get("cell")),
                examples_run=examples_run,
                checks=table,
                histogram=_histogram(r.get("example_errors") or []),
                example=_example(data, i, r, budget, json_name),
                mutations=mutations,
                output=str(r.get("output") or ""),
                graph=_graph(r, where, graph_budget),
                advisories=[
                    (str(a.get("kind") or ""), str(a.get("message") or ""))
                    for a in (r.get("advisories") or []) if isinstance(a, dict)
                ],
                diagnosis=[
                    {k: str(f.get(k) or "") for k in ("kind", "input", "detail", "message", "evidence")}
                    for f in (r.get("diagnosis") or []) if isinstance(f, dict)
                ],
            )
        )
    summary = _need(data, "summary", "the report", dict)
    versions = data.get("versions") or {}
    limits = [
        (CHECK_LABEL[c.value], f"{FAIL_ABOVE[c]:.0e}".replace("e-0", "e-"))
        for c in (Check.FORWARD, Check.BACKWARD_TORCH, Check.BACKWARD_FD, Check.DETERMINISM)
    ]
    legend = []
    lower = 0.0
    for limit, name in BANDS:
        span = f"< {limit:.0e}".replace("e-0", "e-") if lower == 0 else (f"≥ {lower:.0e}".replace("e-0", "e-") if math.isinf(limit) else f"{lower:.0e} – {limit:.0e}".replace("e-0", "e-"))
        legend.append((BAND_CLASS[name], name, span))
        lower = limit
    target = str(_need(data, "target", "the report"))
    return View(
        title=f"gradgate: {target}",
        target=target,
        seed=_need(data, "seed", "the report"),
        examples=_need(data, "examples", "the report"),
        error=data.get("error"),
        summary={k: int(summary.get(k, 0)) for k in ("pass", "fail", "error")},
        columns=[(c.value, label) for c, label in COLUMNS],
        rows=rows,
        implementations=impls,
        unchecked=[
            {"name": str(u.get("name", "")), "source": str(u.get("source", "")), "reason": str(u.get("reason", "")),
             "kind": UNCHECKED_KINDS.get(str(u.get("kind", "implementation")), str(u.get("kind", "")))}
            for u in (data.get("unchecked") or [])
        ],
        seconds=data.get("seconds"),
        versions=[(str(k), str(v)) for k, v in versions.items()],
        command=data.get("command"),
        legend=legend,
        thresholds=limits,
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render(data: Mapping[str, Any], json_name: str = "report.json") -> str:
    """The HTML page for a gradgate.report/1 dict. `json_name` is where snippets load values too large to inline."""
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    style = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    try:
        page = view(data, json_name)
        return _environment().get_template("report.html.j2").render(
            v=page, script=Markup(script), style=Markup(style), script_hash=_csp_hash(script)
        )
    except (jinja2.UndefinedError, TypeError, KeyError, AttributeError, ValueError, IndexError, ArithmeticError) as exc:
        # A value of the wrong kind somewhere the checks in view() do not look.
        raise ReportError(f"the report does not match {SCHEMA}: {type(exc).__name__}: {exc}") from None


def write(data: Mapping[str, Any], path: Path | str, json_name: str | None = None) -> None:
    """Render and write atomically (a reader never sees half a page)."""
    path = Path(path)
    if json_name is None:
        json_name = "report.json"
    text = render(data, json_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


VOLATILE = re.compile(r'(<[^>]*\bdata-volatile\b[^>]*>)[^<]*(<)')


def blank_volatile(html: str) -> str:
    """The page with run-dependent values (time taken, versions) blanked, for gold comparisons."""
    return VOLATILE.sub(r"\1…\2", html)
