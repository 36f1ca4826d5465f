"""The class's scores as a histogram, for summary.html's inline SVG: plain geometry, rendered by the
template (no script, no image file, so the page stays one self-contained file).

Scores are binned by whole points when the maximum is at most MAX_BINS (a 9-point assignment: 10
bars, 0 to 9), else into MAX_BINS equal ranges; a class with several maxima is binned by percent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_BINS = 20
WIDTH, HEIGHT, MARGIN = 480, 160, 28  # px of the plot area and of the room for labels below it


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # the bin's scores: "7" or "40–50 %"
    title: str  # the tooltip: "3 submissions scored 7"


@dataclass(frozen=True)
class ScoreHistogram:
    bars: list[Bar]
    width: int
    height: int
    base: float  # the y of the axis
    unit: str  # "points" or "% of the maximum"


def _fmt(x: float) -> str:
    return f"{x:g}"


def _bins(values: Sequence[float], top: float) -> tuple[list[tuple[float, float, str]], list[int]]:
    whole = top == int(top) and top <= MAX_BINS
    if whole:
        edges = [(float(k), float(k), _fmt(k)) for k in range(int(top) + 1)]
        counts = [0] * len(edges)
        for v in values:  # a fractional score (half points) goes to the whole point below it
            counts[max(0, min(math.floor(v + 1e-9), int(top)))] += 1
        return edges, counts
    step = top / MAX_BINS
    edges = [(i * step, (i + 1) * step, f"{_fmt(round(i * step, 2))}–{_fmt(round((i + 1) * step, 2))}") for i in range(MAX_BINS)]
    counts = [0] * MAX_BINS
    for v in values:
        counts[min(int(v / step), MAX_BINS - 1)] += 1
    return edges, counts


def histogram(submissions: Sequence[Mapping[str, Any]]) -> ScoreHistogram | None:
    """The histogram of the rows' scores; None for a class without points to draw."""
    maxima = {r["max_score"] for r in submissions}
    if not submissions or not any(maxima):
        return None
    if len(maxima) == 1:
        top, unit = float(next(iter(maxima))), "points"
        values = [float(r["score"]) for r in submissions]
    else:  # graded against different maxima (merged halves cannot be, but a hand-edited report can)
        top, unit = 100.0, "% of the maximum"
        values = [100.0 * r["score"] / r["max_score"] if r["max_score"] else 0.0 for r in submissions]
    edges, counts = _bins(values, top)
    peak = max(counts) or 1
    slot = WIDTH / len(counts)
    bars = []
    for (low, high, label), count in zip(edges, counts, strict=True):
        h = (HEIGHT - 12) * count / peak
        scored = f"scored {label}" if low == high else f"scored {label}" + (" %" if unit != "points" else " points")
        noun = "submission" if count == 1 else "submissions"
        bars.append(Bar(x=round(len(bars) * slot + 1, 2), y=round(HEIGHT - h, 2), width=round(slot - 2, 2),
                        height=round(h, 2), count=count, label=label, title=f"{count} {noun} {scored}"))
    return ScoreHistogram(bars, WIDTH, HEIGHT + MARGIN, float(HEIGHT), unit)
