"""Losses on class scores, CS231n assignment 2 (student code: gates/student/losses.py)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from .spec import Array, Convention, GateSpec, Labels


def _svm(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    correct = x.gather(1, y[:, None])
    margins = torch.clamp(x - correct + 1.0, min=0.0)
    margins = margins * (1 - F.one_hot(y, x.shape[1]).to(x.dtype))
    return margins.sum() / x.shape[0]


_SCORES = {"N": st.integers(1, 5), "C": st.integers(2, 5)}

LOSSES = (
    GateSpec(
        name="svm_loss",
        convention=Convention.LOSS_FUNCTION,
        # Hinge kinks sit where a margin is exactly 0; the scores are kept distinct and off the
        # integer grid, but a margin can still land within a step of 0: detection handles those.
        inputs={"x": Array(("N", "C"), scales=(1.0, 10.0, 100.0), distinct=True), "y": Labels(("N",), classes="C")},
        sizes=_SCORES,
        reference=_svm,
        summary="multiclass SVM (hinge, margin 1) on scores, averaged over N -> (loss, dx)",
    ),
    GateSpec(
        name="softmax_loss",
        convention=Convention.LOSS_FUNCTION,
        # Logits in the hundreds and past exp's float64 overflow (709): a stable softmax is finite.
        inputs={"x": Array(("N", "C"), scales=(1.0, 10.0, 300.0, 1000.0)), "y": Labels(("N",), classes="C")},
        sizes=_SCORES,
        reference=lambda x, y: F.cross_entropy(x, y),
        summary="softmax cross-entropy on scores, averaged over N -> (loss, dx); logits in the hundreds",
    ),
)
