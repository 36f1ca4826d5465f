"""The histogram of one implementation's per-example errors, binned by decade, as SVG bars.

Binning by decade keeps it the same size however many examples ran: a run of 5,000 examples
draws at most HIST_HI - HIST_LO bars.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gradgate.checks.tolerances import band

from .display import BAND_CLASS

HIST_LO, HIST_HI = -17, 1  # decades of the per-example histogram; -17 holds exact agreement


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


def build(errors: Sequence[Any]) -> Histogram | None:
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
