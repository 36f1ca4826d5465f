"""Losses on class scores, CS231n assignment 2 (student code: gates/student/losses.py)."""

from __future__ import annotations

from .spec import torch, F, st, Array, Convention, Extreme, GateSpec, Labels, Symptom


def _svm(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    correct = x.gather(1, y[:, None])
    margins = torch.clamp(x - correct + 1.0, min=0.0)
    margins = margins * (1 - F.one_hot(y, x.shape[1]).to(x.dtype))
    return margins.sum() / x.shape[0]


_SCORES = {"N": st.integers(1, 5), "C": st.integers(2, 5)}

_LOG_SOFTMAX = "take -log-softmax as shifted - log(sum(exp(shifted)))"
# What a softmax loss does past the verdict's logits, by symptom (shared by every softmax loss).
SOFTMAX_ADVICE = {
    Symptom.INF: f"the loss is inf once the true class is more than ~745 below the row max: {_LOG_SOFTMAX}",
    Symptom.NAN: "exp overflows for logits above 709 (inf / inf is nan): subtract the row max before exp",
    Symptom.WRONG: f"-log(probs[y]) loses precision once the true class is more than ~708 below the row max (its probability is subnormal): {_LOG_SOFTMAX}",
    Symptom.RAISED: f"fails once a logit passes exp's float64 range (709) or a probability underflows to 0: subtract the row max and {_LOG_SOFTMAX}",
}
# Logits spread over thousands: the true class far below the row max.
SOFTMAX_SPREAD = Extreme(3000.0, advice=SOFTMAX_ADVICE)

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
            "x": Array(
                ("N", "C"), scales=(1.0, 10.0, 100.0), offsets=((1.0, 1000.0), (1.0, -1000.0)), extremes=(SOFTMAX_SPREAD,)
            ),
            "y": Labels(("N",), classes="C"),
        },
        sizes=_SCORES,
        reference=lambda x, y: F.cross_entropy(x, y),
        summary="softmax cross-entropy on scores, averaged over N -> (loss, dx); logits spread over hundreds, and near +-1000",
    ),
)
