"""Models: a class with .params and .loss(X, y) -> (loss, grads) (student code: gates/student/models.py)."""

from __future__ import annotations

from .spec import torch, F, st, Array, Convention, Diagnoses, FindingKind, GateSpec, Labels, Mistake, Node, graph_reference

# affine - relu - affine - softmax, plus 0.5 reg ||W||^2: the lecture's W2 max(0, W1 x) with its loss.
TWO_LAYER_NET = (
    Node("h", "X W1 + b1", ("X", "W1", "b1"), lambda X, W1, b1: X.reshape(X.shape[0], -1) @ W1 + b1),
    Node("a", "max(0, h)", ("h",), torch.relu),
    Node("scores", "a W2 + b2", ("a", "W2", "b2"), lambda a, W2, b2: a @ W2 + b2),
    Node("data_loss", "softmax loss", ("scores", "y"), F.cross_entropy),
    Node("reg_loss", "0.5 reg ||W||²", ("W1", "W2", "reg"), lambda W1, W2, reg: 0.5 * reg * (torch.sum(W1 * W1) + torch.sum(W2 * W2))),
    Node("loss", "+", ("data_loss", "reg_loss"), torch.add),
)


def _two_layer(W1, b1, W2, b2, X, y, *, reg, scores=lambda s: s, reg_weight=lambda W: W, factor=0.5, **_):  # type: ignore[no-untyped-def]
    """The net with one known mistake: `scores` applied to the output, `reg_weight` to W in the
    regularisation (detach: its gradient left out), `factor` on it."""
    out = scores(torch.relu(X @ W1 + b1) @ W2 + b2)
    return F.cross_entropy(out, y) + factor * reg * sum(torch.sum(reg_weight(W) ** 2) for W in (W1, W2))


TWO_LAYER_MISTAKES = Diagnoses(mistakes=(
    Mistake(FindingKind.MISSING_TERM, "term reg",
            "the gradient misses the regularisation term: the loss has 0.5·reg·ΣW², so dW needs + reg·W",
            lambda *a, **c: _two_layer(*a, reg_weight=torch.Tensor.detach, **c)),
    Mistake(FindingKind.SCALE, "factor 2 on the reg term",
            "the regularisation gradient is twice the expected: the loss has 0.5·reg·ΣW², whose gradient is reg·W, "
            "not 2·reg·W — or the loss should have reg·ΣW²",
            lambda *a, **c: _two_layer(*a, factor=1.0, **c)),
    Mistake(FindingKind.FORWARD_WRONG, "relu on the scores",
            "the forward applies a ReLU to the output scores: the last affine layer feeds the softmax directly",
            lambda *a, **c: _two_layer(*a, scores=torch.relu, **c)),
))


MODELS = (
    GateSpec(
        name="TwoLayerNet",
        convention=Convention.MODEL,
        # Parameters are drawn away from the zero initialisation (biases included); hidden units that
        # still land exactly on 0 are undeclared kinks, found and excused by the engine.
        inputs={
            "W1": Array(("D", "H")),
            "b1": Array(("H",)),
            "W2": Array(("H", "C")),
            "b2": Array(("C",)),
            "X": Array(("N", "D"), differentiable=False),
            "y": Labels(("N",), classes="C"),
        },
        sizes={
            "N": st.integers(1, 4),
            "D": st.integers(1, 4),
            "H": st.integers(1, 4),
            "C": st.integers(2, 4),
            "reg": st.sampled_from([0.1, 0.5, 1.3]),
        },
        construct=lambda s: {
            "input_dim": s["D"],
            "hidden_dim": s["H"],
            "num_classes": s["C"],
            "weight_scale": 1e-3,
            "reg": s["reg"],
        },
        signature=("input_dim", "hidden_dim", "num_classes"),  # assignment 1's is (input_size, ...)
        reference=graph_reference(TWO_LAYER_NET, ("W1", "b1", "W2", "b2", "X", "y")),
        graph=TWO_LAYER_NET,
        diagnoses=TWO_LAYER_MISTAKES,
        summary="affine - relu - affine - softmax with 0.5 reg ||W||^2 (CS231n assignment 2 fc_net)",
    ),
)
