"""The computational graph of a result whose gate declares one (the lecture's circuits, the 2-layer
net), as the page draws it: each node with its forward value above its wire and torch's gradient
below, the student's gradient beside torch's at the inputs, and the first disagreement going
backward from the output outlined. layout.py places what this module says each node shows.

Sizes stay bounded: a graph draws at most GRAPH_NODES nodes and the page PAGE_GRAPH_NODES, with
GRAPH_ENTRIES entries of an array on a wire and a capped preview in its hover text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradgate.checks.results import Check
from gradgate.checks.tolerances import FAIL_ABOVE, band

from .display import preview, sci
from .layout import GraphNodeView, GraphText, place
from .schema import ReportError, is_array, need, to_numpy

GRAPH_NODES = 40  # nodes one graph draws at most (the registry's largest, TwoLayerNet, has 12)
PAGE_GRAPH_NODES = 600  # nodes the page draws in all: later graphs are left out
GRAPH_ENTRIES = 6  # entries of an array written out on a wire; a larger one shows its shape and the first few
GRAPH_FIRST = 3
GRAPH_PER_LINE = 3
BESIDE = 24  # characters of torch's and your gradient that still fit side by side
GRAPH_LABEL = 32  # characters of a name or an operation drawn (the <title> has all of it)
GRAPH_TITLE = 2000  # characters of one line of a node's <title>

CHAR_W = 7.23  # one character of the 12px monospace text on the wires (DejaVu Sans Mono: 0.602 em)
LABEL_W = 7.83  # one character of the 13px monospace labels in and above the nodes
LINE_H = 14.0
GRAD_LIMIT = FAIL_ABOVE[Check.BACKWARD_TORCH]  # where checks/graph.py marks a disagreement


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
    if not is_array(value):
        text = repr(value)
        return [text if len(text) <= 24 else text[:23] + "…"]
    arr = to_numpy(value)
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


def _graph_title(name: str, kind: str, label: str, sources: list[str], node: Mapping[str, Any]) -> str:
    """Everything about a node, for its <title> tooltip: the full values (as far as preview goes)."""
    value, grad, student, err = node.get("value"), node.get("grad"), node.get("student_grad"), node.get("rel_error")
    shape = f", shape ({', '.join(str(int(s)) for s in value['shape'])})" if isinstance(value, dict) and is_array(value) else ""
    head = f"{name}: input{shape}" if kind == "input" else f"{name} = {label}, from {', '.join(sources)}{shape}"
    lines = [head, f"value: {preview(value)}"]
    lines.append(f"gradient (torch): {preview(grad)}" if is_array(grad) else "gradient: none (not differentiated)")
    if is_array(student):
        lines.append(f"yours: {preview(student)}")
        lines.append(f"relative error: {sci(float(err))} ({band(float(err))})" if isinstance(err, (int, float)) and _is_number(err) else "relative error: n/a")
    if node.get("disagrees") is True:
        lines.append("first disagreement, going backward from the output")
    return "\n".join(_clip(line, GRAPH_TITLE) for line in lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def build(result: Mapping[str, Any], where: str, budget: list[int]) -> Graph | None:
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
        name = str(need(node, "name", loc))
        op = need(node, "op", loc)
        preds: list[int] = []
        for inp in need(node, "inputs", loc, list):
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

    # What each node shows. Your gradient goes beside torch's when every one fits there, else under it.
    values = [_wire_lines(node.get("value")) if node is not None else [] for node in items]
    grads = [_wire_lines(node.get("grad")) if node is not None and is_array(node.get("grad")) else [] for node in items]
    wrong = [False] * n
    yours: list[list[str]] = [[] for _ in range(n)]
    for i, node in enumerate(items):
        if node is not None and is_array(node.get("student_grad")):
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

    # where each goes: the wires of a column end together, the edges enter from the left
    width, height, edges = place(nodes, uses, above, below, wire_len)

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
