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
        # Logit spreads up to a few hundred (a row's range stays below 708, where exp of the shifted
        # logits is still a normal float: the course's -log(probs[y]) is exact), and logits near
        # +-1000 with a spread of 1, past exp's float64 range (709): softmax without the row max
        # subtracted is not finite there, every shifted form is exact.
        inputs={
            "x": Array(("N", "C"), scales=(1.0, 10.0, 100.0), offsets=((1.0, 1000.0), (1.0, -1000.0))),
            "y": Labels(("N",), classes="C"),
        },
        sizes=_SCORES,
        reference=lambda x, y: F.cross_entropy(x, y),
        summary="softmax cross-entropy on scores, averaged over N -> (loss, dx); logits near +-1000",
    ),
)
