"""Relative errors and centered finite differences with a noise estimate and kink detection.

A finite difference is taken of F(t) = sum(dout * forward(x + t d)) along a direction d: a random
joint direction over all differentiable inputs on every example, or one coordinate at a time when
locating wrong entries. F is evaluated at t = -2h, -h, +h, +2h (F(0) is the forward already run).

- numeric derivative: the central difference at h.
- noise: the rounding of F over the step (FD_NOISE_FACTOR * eps * sum|dout * out| / h) plus the
  disagreement of the central differences at h and 2h (truncation).
- kink: the one-sided derivatives jump (|right - left| above the rounding noise) by an amount that
  does not shrink with the step (a smooth function's jump halves when the step halves). At a kink
  every subgradient is valid, so the comparison is skipped there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .tolerances import FD_NOISE_FACTOR, FD_STEP

EPS = float(np.finfo(np.float64).eps)


def elementwise_error(a: np.ndarray, b: np.ndarray, allowance: np.ndarray | float = 0.0) -> np.ndarray:
    """CS231n's |a - b| / max(1e-8, |a| + |b|) per element, after subtracting `allowance`."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(all="ignore"):
        diff = np.maximum(np.abs(a - b) - allowance, 0.0)
        err = diff / np.maximum(1e-8, np.abs(a) + np.abs(b))
    finite = np.isfinite(a) & np.isfinite(b)
    if finite.all():
        return err  # the usual case, on every example: no NaN or inf to sort out
    # NaN or inf on exactly one side is as wrong as it gets; on both sides it is equal.
    both = ~np.isfinite(a) & ~np.isfinite(b) & (np.isnan(a) == np.isnan(b)) & (np.isnan(a) | (a == b))
    err = np.where(finite, err, np.where(both, 0.0, np.inf))
    return err


def rel_error(a: np.ndarray, b: np.ndarray, allowance: np.ndarray | float = 0.0) -> float:
    err = elementwise_error(a, b, allowance)
    return float(err.max()) if err.size else 0.0


@dataclass(frozen=True)
class Difference:
    """One finite difference along a direction."""

    numeric: float
    noise: float
    kink: bool

    def error(self, analytic: float) -> float:
        return rel_error(np.asarray(analytic), np.asarray(self.numeric), self.noise)


def points(h: float) -> tuple[float, float, float, float]:
    """Where `difference` evaluates F: two steps each side."""
    return (-2 * h, -h, h, 2 * h)


def difference(F: Callable[[Sequence[float]], Sequence[tuple[float, float]]], f0: float, m0: float, h: float) -> Difference:
    """F(ts) -> (value, magnitude) at each t, in one go (a sandboxed forward answers all four in one
    round trip); f0, m0 at t = 0. `magnitude` is sum|terms|, for rounding noise."""
    (fm2, mm2), (fm1, mm1), (fp1, mp1), (fp2, mp2) = F(points(h))
    values = np.array([fm2, fm1, fp1, fp2])
    if not np.all(np.isfinite(values)):
        return Difference(numeric=float("nan"), noise=float("inf"), kink=False)
    rounding = FD_NOISE_FACTOR * EPS * max(m0, mm2, mm1, mp1, mp2) / h
    c1 = (fp1 - fm1) / (2 * h)
    c2 = (fp2 - fm2) / (4 * h)
    jump1 = (fp1 - f0) / h - (f0 - fm1) / h
    jump2 = (fp2 - f0) / (2 * h) - (f0 - fm2) / (2 * h)
    kink = abs(jump1) > 4 * rounding and abs(jump2 - 2 * jump1) > 0.5 * abs(jump1)
    return Difference(numeric=float(c1), noise=float(rounding + abs(c1 - c2)), kink=bool(kink))


def step_for(x: np.ndarray) -> float:
    """The step for input x: FD_STEP scaled to the input's magnitude (never below FD_STEP)."""
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 1.0
    return FD_STEP * max(1.0, rms)
