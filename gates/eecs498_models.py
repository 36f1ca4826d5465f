"""UMich EECS 498-007/598-005 A3's models, checked on float64 CPU tensors (`tensors=True`):
TwoLayerNet and FullyConnectedNet (fully_connected_networks.py), ThreeLayerConvNet and DeepConvNet
(convolutional_networks.py), each `Cls(**construct).loss(X, y) -> (loss, grads)` on the parameters
its own constructor makes (checks.adapters.Model writes gradgate's values into its tensors).

What differs from CS231n's models, as the course's templates say it:
- every constructor takes `dtype` and `device` ("you should use double for numeric gradient
  checking"): given torch.float64 and 'cpu'; ThreeLayerConvNet and DeepConvNet take `input_dims`;
- the loss is the course's softmax_loss (a3_helper) plus L2 regularisation of the weights only;
  TwoLayerNet, ThreeLayerConvNet and DeepConvNet: "make sure that your L2 regularization does not
  include a factor of 0.5", so reg ΣW² only. FullyConnectedNet's template says it "includes a
  factor of 0.5", and the notebook checks it by gradients alone, so either is right there (Variants);
- FullyConnectedNet has `dropout`, the drop probability (0: none), seeded through `seed`, and no
  normalisation; DeepConvNet is {conv 3x3 pad 1 - [spatial batchnorm] - relu - [2x2 max pool]} x
  (L - 1) - linear, its pools where `max_pools` names the macro layer (zero-indexed).
Student code: gates/student/eecs498_fully_connected.py, eecs498_convolutional.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .eecs498 import _float64_cpu
from .models import MODELS, _two_layer
from .networks import NETWORKS, _FC_INPUTS, _norm, _three_layer_convnet
from .spec import torch, F, st, Array, Configuration, Convention, Diagnoses, FindingKind, GateSpec, Labels, Mistake, Node, Sizes
from .spec import Variants, graph_reference

_REG = st.sampled_from([0.1, 0.5, 1.3])


def _half_reg(reference) -> Mistake:  # type: ignore[no-untyped-def]
    """CS231n's 0.5 reg ΣW², which the template of this model rules out: `reference` computes it."""
    return Mistake(FindingKind.FORWARD_WRONG, "0.5 on the reg term",
                   "the loss has 0.5·reg·ΣW² (CS231n's): this model's template says \"make sure that your L2 "
                   "regularization does not include a factor of 0.5\", so reg·ΣW², whose gradient is 2·reg·W",
                   reference)  # fmt: skip


# linear - relu - linear - softmax, + reg ΣW² (no 0.5: the course's template says so)
TWO_LAYER_NET = (
    Node("h", "X W1 + b1", ("X", "W1", "b1"), lambda X, W1, b1: X.reshape(X.shape[0], -1) @ W1 + b1),
    Node("a", "max(0, h)", ("h",), torch.relu),
    Node("scores", "a W2 + b2", ("a", "W2", "b2"), lambda a, W2, b2: a @ W2 + b2),
    Node("data_loss", "softmax loss", ("scores", "y"), F.cross_entropy),
    Node("reg_loss", "reg ||W||²", ("W1", "W2", "reg"), lambda W1, W2, reg: reg * (torch.sum(W1 * W1) + torch.sum(W2 * W2))),
    Node("loss", "+", ("data_loss", "reg_loss"), torch.add),
)

_TWO_LAYER_MISTAKES = Diagnoses(mistakes=(
    Mistake(FindingKind.MISSING_TERM, "term reg",
            "the gradient misses the regularisation term: the loss has reg·ΣW², so dW needs + 2·reg·W",
            lambda *a, **c: _two_layer(*a, reg_weight=torch.Tensor.detach, factor=1.0, **c)),
    _half_reg(lambda *a, **c: _two_layer(*a, factor=0.5, **c)),
    Mistake(FindingKind.FORWARD_WRONG, "relu on the scores",
            "the forward applies a ReLU to the output scores: the last linear layer feeds the softmax directly",
            lambda *a, **c: _two_layer(*a, scores=torch.relu, factor=1.0, **c)),
))  # fmt: skip

_CS231N = {s.name: s for s in MODELS + NETWORKS if not s.variant}


def _eecs_fc_net(factor: float):  # type: ignore[no-untyped-def]
    """{linear - relu - [dropout]} x (L - 1) - linear - softmax + factor reg ΣW². It judges only
    where dropout is off (`reference_on`; with it on, the backward is checked against finite
    differences of the student's own seeded forward); its own mask, a torch draw from `seed`, is
    there so that the reference's loss changes with the option, which is how a model that ignores
    dropout is told (checks.configurations)."""

    def reference(W1, b1, W2, b2, W3, b3, X, y, **c: Any) -> torch.Tensor:  # type: ignore[no-untyped-def]
        import torch as real  # a generator of its own: the reference leaves torch's global seed alone

        weights = [(W, b) for W, b in ((W1, b1), (W2, b2), (W3, b3)) if W is not None]
        h = X.reshape(X.shape[0], -1)
        draw = real.Generator().manual_seed(c["seed"])
        for W, b in weights[:-1]:
            h = torch.relu(h @ W + b)
            if c["dropout"]:
                h = h * (real.rand(h.shape, generator=draw, dtype=h.dtype) >= c["dropout"]) / (1 - c["dropout"])
        scores = h @ weights[-1][0] + weights[-1][1]
        return F.cross_entropy(scores, y) + factor * c["reg"] * sum(torch.sum(W * W) for W, _ in weights)

    return reference


def _fc_sizes(s: Sizes) -> dict[str, Any]:
    deep = s["depth"] == 2
    return {"deep": deep, "O2": s["H2"] if deep else s["C"]}


def _deep_sizes(s: Sizes) -> dict[str, Any]:
    """Every pool halves an even map (the course's `H / (1 << len(max_pools))` is then exact): H is
    the final map's size times 2 per pool, at most 4 so the naive loops stay quick."""
    pools = [i for i in s["pools"] if i < s["depth"]]
    Hq, Wq = (s["Hq"], s["Wq"]) if len(pools) < 2 else (1, 1)  # the final map; 4x4 at most before it
    H, W = Hq * 2 ** len(pools), Wq * 2 ** len(pools)
    deep = s["depth"] == 2
    P = (s["F2"] if deep else s["F1"]) * Hq * Wq  # the linear layer's input: the last conv's channels, flattened
    return {
        "max_pools": pools, "H": H, "W": W, "P": P, "deep": deep, "deep_bn": deep and s["batchnorm"],
        "w2": (s["F2"], s["F1"], 3, 3) if deep else (P, s["K"]), "O2": s["F2"] if deep else s["K"],
    }  # fmt: skip


def _deep_convnet(W1, b1, gamma1, beta1, W2, b2, gamma2, beta2, W3, b3, X, y, reg_gamma: bool = False, **c: Any) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """{conv 3x3 pad 1 - [spatial batchnorm, train mode] - relu - [2x2 pool]} x (L - 1) - linear - softmax + reg ΣW²
    (`reg_gamma`: + reg Σγ² too, a mistake the constructor's docstring rules out)."""
    convs = [(W1, b1, gamma1, beta1), (W2, b2, gamma2, beta2)][: len(c["num_filters"])]
    h = X
    for i, (W, b, gamma, beta) in enumerate(convs):
        h = F.conv2d(h, W, b, stride=1, padding=1)
        if c["batchnorm"]:
            h = _norm(h, gamma.reshape(1, -1, 1, 1), beta.reshape(1, -1, 1, 1), dim=(0, 2, 3))
        h = torch.relu(h)
        if i in c["max_pools"]:
            h = F.max_pool2d(h, 2, stride=2)
    W, b = (W3, b3) if len(convs) == 2 else (W2, b2)
    scores = h.reshape(X.shape[0], -1) @ W + b
    weights = [conv[0] for conv in convs] + [W]
    if reg_gamma and c["batchnorm"]:
        weights += [conv[2] for conv in convs]
    return F.cross_entropy(scores, y) + c["reg"] * sum(torch.sum(w * w) for w in weights)


_DEEP_MISTAKES = Diagnoses(mistakes=(
    _half_reg(lambda *a, **c: _deep_convnet(*a, **{**c, "reg": 0.5 * c["reg"]})),
    Mistake(FindingKind.FORWARD_WRONG, "reg on gamma",
            "the loss regularizes the batchnorm scales gamma too (reg·Σγ², and 2·reg·γ in dgamma): the constructor's "
            "docstring says L2 regularization \"should not be applied to biases or to batchnorm scale and shifts\"",
            lambda *a, **c: _deep_convnet(*a, reg_gamma=True, **c)),
))  # fmt: skip


EECS498_MODELS = (
    GateSpec(
        name="TwoLayerNet",
        convention=Convention.MODEL,
        inputs=_CS231N["TwoLayerNet"].inputs,
        sizes=_CS231N["TwoLayerNet"].sizes,
        construct=lambda s: {"input_dim": s["D"], "hidden_dim": s["H"], "num_classes": s["C"],
                             "weight_scale": 1e-3, "reg": s["reg"], **_float64_cpu()},  # fmt: skip
        signature=("input_dim", "hidden_dim", "num_classes"),
        reference=graph_reference(TWO_LAYER_NET, ("W1", "b1", "W2", "b2", "X", "y")),
        graph=TWO_LAYER_NET,
        diagnoses=_TWO_LAYER_MISTAKES,
        summary="A3 fully_connected_networks.py, torch: linear - relu - linear - softmax, reg ΣW² (no 0.5)",
        tensors=True,
    ),
    GateSpec(
        name="FullyConnectedNet",
        convention=Convention.MODEL,
        inputs={k: v for k, v in _FC_INPUTS.items() if not k.startswith(("gamma", "beta"))},
        sizes={
            "N": st.integers(1, 4), "D": st.integers(1, 3), "H1": st.integers(1, 3), "H2": st.integers(1, 3),
            "C": st.integers(2, 3), "depth": st.integers(1, 2), "dropout": st.sampled_from([0, 0.5]),
            "seed": st.integers(0, 2**16), "reg": _REG,
        },  # fmt: skip
        derive=_fc_sizes,
        construct=lambda s: {"hidden_dims": [s["H1"], s["H2"]][: s["depth"]], "input_dim": s["D"], "num_classes": s["C"],
                             "dropout": s["dropout"], "reg": s["reg"], "weight_scale": 1e-2, "seed": s["seed"],
                             **_float64_cpu()},  # fmt: skip
        signature=("hidden_dims", "input_dim", "num_classes", "dropout", "seed"),
        # the template's 0.5 first; reg ΣW², TwoLayerNet's convention carried over, checks as well
        reference=Variants({"0.5 reg ΣW²": _eecs_fc_net(0.5), "reg ΣW²": _eecs_fc_net(1.0)}),
        reference_on=lambda s: s["dropout"] == 0,
        configurations={
            "plain": Configuration({"dropout": 0}),
            "dropout": Configuration({"dropout": 0.5}, baseline="plain"),
        },
        summary="A3, torch: {linear - relu - [dropout]} x (L - 1) - linear - softmax, dropout = drop probability, seeded, (0.5) reg ΣW²",
        tensors=True,
    ),
    replace(
        _CS231N["ThreeLayerConvNet"],
        construct=lambda s: {"input_dims": (s["C"], s["H"], s["W"]), "num_filters": s["F"], "filter_size": s["fs"],
                             "hidden_dim": s["Hd"], "num_classes": s["K"], "weight_scale": 1e-3, "reg": s["reg"],
                             **_float64_cpu()},  # fmt: skip
        signature=("input_dims", "num_filters", "filter_size", "hidden_dim", "num_classes"),
        reference=_three_layer_convnet(1.0),
        diagnoses=Diagnoses(mistakes=(_half_reg(_three_layer_convnet(0.5)),)),
        summary="A3 convolutional_networks.py, torch: conv - relu - 2x2 max pool - linear - relu - linear - softmax, reg ΣW² (no 0.5)",
        tensors=True,
    ),
    GateSpec(
        name="DeepConvNet",
        convention=Convention.MODEL,
        # Off the grid as ThreeLayerConvNet's: pooling ties of conv outputs come only from grid values.
        inputs={
            "W1": Array(("F1", "C", 3, 3), grid=False),
            "b1": Array(("F1",)),
            "gamma1": Array(("F1",), when="batchnorm"),
            "beta1": Array(("F1",), when="batchnorm", grid=False),  # a grid beta = -gamma sits on the relu's kink
            "W2": Array(("*w2",), grid=False),  # the second conv's (F2, F1, 3, 3), or the linear's (P, K)
            "b2": Array(("O2",)),
            "gamma2": Array(("F2",), when="deep_bn"),
            "beta2": Array(("F2",), when="deep_bn", grid=False),
            "W3": Array(("P", "K"), when="deep"),
            "b3": Array(("K",), when="deep"),
            "X": Array(("N", "C", "H", "W"), differentiable=False, grid=False),
            "y": Labels(("N",), classes="K"),
        },
        sizes={
            "N": st.integers(1, 2), "C": st.integers(1, 2), "F1": st.integers(1, 2), "F2": st.integers(1, 2),
            "K": st.integers(2, 3), "depth": st.integers(1, 2),  # macro layers (L - 1)
            "pools": st.sampled_from([(), (0,), (1,), (0, 1)]), "Hq": st.integers(1, 2), "Wq": st.integers(1, 2),
            "batchnorm": st.booleans(), "reg": _REG,
        },  # fmt: skip
        derive=_deep_sizes,
        construct=lambda s: {"input_dims": (s["C"], s["H"], s["W"]), "num_filters": [s["F1"], s["F2"]][: s["depth"]],
                             "max_pools": s["max_pools"], "batchnorm": s["batchnorm"], "num_classes": s["K"],
                             "weight_scale": 1e-3, "reg": s["reg"], **_float64_cpu()},  # fmt: skip
        signature=("input_dims", "num_filters", "max_pools", "batchnorm", "num_classes"),
        reference=_deep_convnet,
        diagnoses=_DEEP_MISTAKES,
        configurations={
            "plain": Configuration({"batchnorm": False}),
            "batchnorm": Configuration({"batchnorm": True}, baseline="plain"),
        },
        summary="A3, torch: {conv 3x3 - [batchnorm] - relu - [2x2 pool]} x (L - 1) - linear - softmax, reg ΣW² (no 0.5)",
        tensors=True,
    ),
)
