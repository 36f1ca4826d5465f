"""Where the computational graph's nodes, wires and edges go in the SVG, as the lecture draws its
circuits: columns by dependency depth, the inputs at the left, the output at the right.

Text is monospace, so every width is known before the page is drawn (graph.py measures it) and the
layout needs no script: the page draws the SVG as laid out here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

GRAPH_LEFT_DEPTH = 3  # a graph this many operations deep has all its inputs at the left, as the lecture's circuits
COL_GAP = 34.0
ROW_GAP = 16.0
MARGIN = 10.0


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


def place(
    nodes: list[GraphNodeView], uses: Sequence[Sequence[int]], above: list[float], below: list[float],
    wire_len: Sequence[float],
) -> tuple[float, float, list[str]]:
    """Set each node's position (cx, cy, its wire, its texts); return the drawing's width and height
    and the edges' SVG paths. Node i uses the nodes uses[i], all earlier in the list; above[i] and
    below[i] are the room it needs above and below its wire, wire_len[i] the length of its wire."""
    n = len(nodes)
    op = [v.kind == "op" for v in nodes]
    # the passes of long edges (below) are placed like nodes: copies, so they grow without the caller's
    above, below = above[:], below[:]
    consumers: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for k in uses[i]:
            consumers[k].append(i)

    # Columns: operations as far right as their uses allow (a side branch such as the
    # regularisation loss sits beside what it is added to); inputs at the left, except in a deep
    # graph, where each enters just before its first use (as W2 does in the lecture's 2-layer net).
    depth = [0] * n
    for i in range(n):
        if op[i]:
            depth[i] = 1 + max((depth[k] for k in uses[i] if op[k]), default=0)
    last = max(depth)
    col = [0] * n
    for i in reversed(range(n)):
        later = [col[c] for c in consumers[i]]
        if op[i]:
            col[i] = min(later) - 1 if later else last
        elif later and (nodes[i].kind == "constant" or last > GRAPH_LEFT_DEPTH):
            col[i] = max(0, min(later) - 1)

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
    return width, height, edges
