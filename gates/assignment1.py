"""CS231n assignment 1: the linear classifiers' losses on weights (linear_svm.py, softmax.py) and the
two-layer net of neural_net.py (student code: gates/student/linear_svm.py, softmax.py, neural_net.py).

The course regularises with reg ||W||^2 (gradient 2 reg W) since 2017 and with 0.5 reg ||W||^2
before: both are declared as `Variants`, and an implementation is checked against the one its own
forward follows (one that mixes them, the loss of one and the gradient of the other, still fails).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .losses import _svm, SOFTMAX_ADVICE
from .spec import torch, F, st, Array, Convention, Diagnoses, Extreme, FindingKind, Fixed, GateSpec, Labels, Mistake, Variants

Loss = Callable[["torch.Tensor", "torch.Tensor"], "torch.Tensor"]


def _on_weights(data_loss: Loss) -> Variants:
    """(W, X, y, reg) -> data_loss(X W, y) + factor reg ||W||^2, for the course's two factors."""

    def reference(factor: float) -> Callable[..., torch.Tensor]:
        return lambda W, X, y, reg: data_loss(X @ W, y) + factor * reg * torch.sum(W * W)

    return Variants({"reg ||W||^2": reference(1.0), "0.5 reg ||W||^2 (before 2017)": reference(0.5)})


def _reg_gradient_missing(data_loss: Loss) -> Mistake:
    return Mistake(FindingKind.MISSING_TERM, "term reg",
                   "dW misses the regularisation term: the loss adds reg·ΣW², so dW needs + 2·reg·W (reg·W for 0.5·reg·ΣW²)",
                   lambda W, X, y, reg: data_loss(X @ W, y) + reg * torch.sum(W.detach() ** 2))


def _two_layer_net(factor: float) -> Callable[..., torch.Tensor]:
    def reference(W1, b1, W2, b2, X, y, reg, **construct: Any) -> torch.Tensor:  # type: ignore[no-untyped-def]
        scores = torch.relu(X @ W1 + b1) @ W2 + b2
        return F.cross_entropy(scores, y) + factor * reg * (torch.sum(W1 * W1) + torch.sum(W2 * W2))

    return reference


_REG = st.sampled_from([0.1, 0.5, 1.3])  # never 0: a missing regulariser must show
_WEIGHTS = {"N": st.integers(1, 4), "D": st.integers(1, 4), "C": st.integers(2, 4), "reg": _REG}


def _inputs(x_scales: tuple[float, ...], x_extremes: tuple[Extreme, ...] = ()) -> dict[str, Any]:
    return {
        "W": Array(("D", "C")),
        "X": Array(("N", "D"), scales=x_scales, differentiable=False, extremes=x_extremes),
        "y": Labels(("N",), classes="C"),
        "reg": Fixed(lambda s, rng: s["reg"]),
    }


# Hinge kinks (a margin of exactly 0) cannot be kept out of X W by drawing X and W apart; where one
# lands within a step of 0 the engine finds it and accepts any subgradient.
_SVM = _inputs((1.0, 10.0))
# Logits up to about a hundred: the course's max shift with log(probs) stays exact there (softmax_loss
# on scores is the one checked past exp's overflow). Data at scale 1000 (logits in the thousands) is
# probed for advisories only.
_SOFTMAX = _inputs((1.0, 10.0), (Extreme(1000.0, advice=SOFTMAX_ADVICE),))

ASSIGNMENT1 = (
    GateSpec(
        name="svm_loss_naive",
        convention=Convention.LOSS_FUNCTION,
        inputs=_SVM,
        sizes=_WEIGHTS,
        reference=_on_weights(_svm),
        diagnoses=Diagnoses(mistakes=(_reg_gradient_missing(_svm),)),
        summary="multiclass SVM on W (D, C), X (N, D) with loops -> (loss, dW), reg ||W||^2 (or 0.5 reg)",
    ),
    GateSpec(
        name="svm_loss_vectorized",
        convention=Convention.LOSS_FUNCTION,
        inputs=_SVM,
        sizes=_WEIGHTS,
        reference=_on_weights(_svm),
        diagnoses=Diagnoses(mistakes=(_reg_gradient_missing(_svm),)),
        summary="multiclass SVM on W, X without loops -> (loss, dW), reg ||W||^2 (or 0.5 reg)",
    ),
    GateSpec(
        name="softmax_loss_naive",
        convention=Convention.LOSS_FUNCTION,
        inputs=_SOFTMAX,
        sizes=_WEIGHTS,
        reference=_on_weights(F.cross_entropy),
        diagnoses=Diagnoses(mistakes=(_reg_gradient_missing(F.cross_entropy),)),
        summary="softmax cross-entropy on W (D, C), X (N, D) with loops -> (loss, dW), reg ||W||^2 (or 0.5 reg)",
    ),
    GateSpec(
        name="softmax_loss_vectorized",
        convention=Convention.LOSS_FUNCTION,
        inputs=_SOFTMAX,
        sizes=_WEIGHTS,
        reference=_on_weights(F.cross_entropy),
        diagnoses=Diagnoses(mistakes=(_reg_gradient_missing(F.cross_entropy),)),
        summary="softmax cross-entropy on W, X without loops -> (loss, dW), reg ||W||^2 (or 0.5 reg)",
    ),
    GateSpec(
        name="TwoLayerNet",
        convention=Convention.MODEL,
        inputs={
            "W1": Array(("D", "H")),
            "b1": Array(("H",)),
            "W2": Array(("H", "C")),
            "b2": Array(("C",)),
            "X": Array(("N", "D"), differentiable=False),
            "y": Labels(("N",), classes="C"),
            "reg": Fixed(lambda s, rng: s["reg"]),
        },
        sizes={"N": st.integers(1, 4), "D": st.integers(1, 4), "H": st.integers(1, 4), "C": st.integers(2, 4), "reg": _REG},
        construct=lambda s: {"input_size": s["D"], "hidden_size": s["H"], "output_size": s["C"], "std": 1e-4},
        signature=("input_size", "hidden_size", "output_size"),
        # The notebook's correct_loss 1.30378789133 (reg=0.05) is reg ||W||^2; older years had 0.5.
        reference=Variants({"reg ||W||^2": _two_layer_net(1.0), "0.5 reg ||W||^2 (before 2017)": _two_layer_net(0.5)}),
        summary="neural_net.py: TwoLayerNet(input_size, ...).loss(X, y, reg), reg ||W||^2 (assignment 1)",
    ),
)
