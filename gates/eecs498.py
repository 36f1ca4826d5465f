"""UMich EECS 498-007/598-005 (Justin Johnson): the same maths as CS231n's, written in torch.

Students write torch, never numpy, and are checked on float64 CPU tensors (`tensors=True`: the
engine's arrays are handed over as tensors and the results read back, checks.adapters).
A2's linear_classifier.py has the losses on weights `(W, X, y, reg) -> (loss, dW)` with reg ΣW²
("please DO NOT multiply the regularization term by 1/2"), so only that convention; A3's
fully_connected_networks.py has classes with static `forward(...) -> (out, cache)` and
`backward(dout, cache)`: Linear, ReLU, Linear_ReLU, Dropout (p the probability of dropping a unit,
judged by its own mask as CS231n's dropout is); convolutional_networks.py has Conv, MaxPool,
BatchNorm, SpatialBatchNorm, Conv_ReLU and Conv_ReLU_Pool, CS231n's entries under the class names.
Student code: gates/student/eecs498_*.py.
"""

from __future__ import annotations

from dataclasses import replace

from .assignment1 import _REG, _SOFTMAX, _SVM, _reg_gradient_missing, _two_layer_net
from .layer_utils import LAYER_UTILS
from .layers import LAYERS, _DROP_PS, _affine, _dropout_mask
from .normalization import NORMALIZATION
from .losses import _svm
from .spec import torch, F, st, Array, Call, Convention, Diagnoses, Fixed, GateSpec, Labels, Steps

_DIM = st.integers(1, 4)
_WEIGHTS = {"N": st.integers(1, 4), "D": st.integers(1, 4), "C": st.integers(2, 4), "reg": _REG}


def _on_weights(data_loss):  # type: ignore[no-untyped-def]
    """(W, X, y, reg) -> data_loss(X W, y) + reg ||W||^2: the course's only convention."""
    return lambda W, X, y, reg: data_loss(X @ W, y) + reg * torch.sum(W * W)


def _loss(name: str, data_loss, inputs, summary: str) -> GateSpec:  # type: ignore[no-untyped-def]
    return GateSpec(
        name=name,
        convention=Convention.LOSS_FUNCTION,
        inputs=inputs,
        sizes=_WEIGHTS,
        reference=_on_weights(data_loss),
        diagnoses=Diagnoses(mistakes=(_reg_gradient_missing(data_loss),)),
        summary=summary,
        tensors=True,
    )


EECS498 = (
    _loss("svm_loss_naive", _svm, _SVM, "A2 linear_classifier.py, torch: multiclass SVM on W (D, C), X (N, D) with loops -> (loss, dW), reg ΣW²"),
    _loss("svm_loss_vectorized", _svm, _SVM, "A2, torch: multiclass SVM on W, X without loops -> (loss, dW), reg ΣW²"),
    _loss("softmax_loss_naive", F.cross_entropy, _SOFTMAX, "A2, torch: softmax cross-entropy on W, X with loops -> (loss, dW), reg ΣW²"),
    _loss("softmax_loss_vectorized", F.cross_entropy, _SOFTMAX, "A2, torch: softmax cross-entropy on W, X without loops -> (loss, dW), reg ΣW²"),
    GateSpec(
        name="Linear",
        convention=Convention.LAYER_PAIR,
        inputs={"x": Array(("N", "*rest")), "w": Array(("D", "M")), "b": Array(("M",))},
        sizes={"N": _DIM, "rest": st.lists(st.integers(1, 3), min_size=1, max_size=3), "M": _DIM},
        derive=lambda s: {"D": int(__import__("math").prod(s["rest"]))},
        reference=_affine,
        summary="A3 fully_connected_networks.py, torch: Linear.forward(x, w, b): x.reshape(N, -1) w + b, x of any rank >= 2",
        tensors=True,
    ),
    GateSpec(
        name="ReLU",
        convention=Convention.LAYER_PAIR,
        inputs={"x": Array(("N", "D"), avoid_zero=True)},
        sizes={"N": _DIM, "D": _DIM},
        reference=torch.relu,
        summary="A3, torch: ReLU.forward(x): max(0, x)",
        tensors=True,
    ),
    GateSpec(
        name="Linear_ReLU",
        convention=Convention.LAYER_PAIR,
        inputs={"x": Array(("N", "*rest")), "w": Array(("D", "M")), "b": Array(("M",))},
        sizes={"N": _DIM, "rest": st.lists(st.integers(1, 3), min_size=1, max_size=3), "M": _DIM},
        derive=lambda s: {"D": int(__import__("math").prod(s["rest"]))},
        reference=lambda x, w, b: torch.relu(_affine(x, w, b)),
        summary="A3, torch: Linear_ReLU.forward(x, w, b): a Linear then a ReLU",
        tensors=True,
    ),
    GateSpec(
        name="Dropout",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "D"), avoid_zero=True),
            "dropout_param": Fixed(lambda s, rng: {"p": s["p"], "mode": s["mode"], "seed": s["seed"]}),
        },
        sizes={
            "N": _DIM,
            "D": _DIM,
            "p": st.sampled_from(_DROP_PS),
            "mode": st.sampled_from(["train", "test"]),
            "seed": st.integers(0, 2**16),
        },
        reference=None,
        # "We *drop* each neuron output with probability p"
        stochastic=_dropout_mask(_DROP_PS, lambda p: 1 - p, "1/(1 - p)", "p is used as the keep probability"),
        summary="A3, torch: Dropout.forward(x, dropout_param): inverted dropout, p = drop probability, judged by its own mask",
        tensors=True,
    ),
)


def _in_torch(spec: GateSpec, name: str, summary: str) -> GateSpec:
    """A CS231n layer's entry as the A3 class of the same maths: its inputs, sizes and reference,
    called on tensors under the course's class name."""
    return replace(spec, name=name, summary=summary, tensors=True, variant="")


_CS231N = {s.name: s for s in LAYERS + NORMALIZATION + LAYER_UTILS if not s.variant}

EECS498_A3_CONV = (
    _in_torch(_CS231N["conv"], "Conv", "A3 convolutional_networks.py, torch: Conv.forward(x, w, b, conv_param), naive, stride and zero padding"),
    _in_torch(_CS231N["max_pool"], "MaxPool", "A3, torch: MaxPool.forward(x, pool_param), windows of any size and stride"),
    _in_torch(_CS231N["batchnorm"], "BatchNorm", "A3, torch: BatchNorm.forward(x, gamma, beta, bn_param), train and test mode, running statistics in bn_param"),
    _in_torch(_CS231N["spatial_batchnorm"], "SpatialBatchNorm", "A3, torch: SpatialBatchNorm.forward(x, gamma, beta, bn_param) per channel of (N, C, H, W)"),
    _in_torch(_CS231N["conv_relu"], "Conv_ReLU", "A3, torch: Conv_ReLU.forward(x, w, b, conv_param)"),
    _in_torch(_CS231N["conv_relu_pool"], "Conv_ReLU_Pool", "A3, torch: Conv_ReLU_Pool.forward(x, w, b, conv_param, pool_param)"),
)


# A2's two_layer_net.py: nn_forward_backward(params, X, y, reg) -> (loss, grads), grads keyed as params
_NET = ("W1", "b1", "W2", "b2")

EECS498_A2_NET = (
    GateSpec(
        name="nn_forward_backward",
        convention=Convention.FUNCTIONS,
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
        reference=_two_layer_net(1.0),
        steps=Steps(
            forward=(Call("", ("params", "X", "y", "reg"), ("loss", "grads")),),
            output="loss",
            # one function gives both: called again for the gradients, read from its last result
            backward=Call("", ("params", "X", "y", "reg"), ("loss", "grads")),
            grads={k: k for k in _NET},
            packs={"params": _NET},
        ),
        summary="A2 two_layer_net.py, torch: nn_forward_backward(params, X, y, reg) -> (loss, grads), relu net, softmax, reg ΣW²",
        tensors=True,
    ),
)
