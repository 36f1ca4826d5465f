"""The one table of thresholds. A check fails when its relative error exceeds its entry.

Relative error is CS231n's, element-wise: max |a - b| / max(1e-8, |a| + |b|) (`numeric.rel_error`).
Comparisons with finite differences first subtract the difference's own noise estimate (rounding of
the loss over the step, plus the disagreement of the steps h and 2h), so the number reported is the
error beyond what finite differences can resolve. Everything runs in float64.

Bands for display (CS231n's rule of thumb): below 1e-7 fine, below 1e-4 acceptable where the function
has kinks, below 1e-2 suspicious, above that wrong.
"""

from __future__ import annotations

from types import MappingProxyType

from .results import Check

FAIL_ABOVE = MappingProxyType(
    {
        Check.FORWARD: 1e-6,  # float64 vs float64: only rounding differs
        Check.BACKWARD_TORCH: 1e-6,
        Check.BACKWARD_FD: 1e-5,  # beyond the finite-difference noise estimate
        Check.DETERMINISM: 1e-12,  # same input twice in one process
    }
)

# Below this the torch reference and the student are taken to agree up to rounding of values that
# cancel: added to |a - b| allowances as a fraction of the largest reference entry.
CANCELLATION_ATOL = 1e-12

# Finite differences: step as a fraction of max(1, rms of the input), and the factor on the
# rounding-noise estimate of the loss.
FD_STEP = 1e-6
FD_NOISE_FACTOR = 32.0

# One-sided differences that disagree by more than this (relative) mark a kink: a point where the
# function is not differentiable and any subgradient is accepted.
KINK_JUMP = 1e-4

BANDS = ((1e-7, "fine"), (1e-4, "ok for kinks"), (1e-2, "suspicious"), (float("inf"), "wrong"))


def band(rel_error: float | None) -> str:
    if rel_error is None:
        return "n/a"
    for limit, name in BANDS:
        if rel_error < limit:
            return name
    return "wrong"
