"""UMich EECS 498-007/598-005 (Justin Johnson): the same maths as CS231n's, written in torch.

Students write torch, never numpy, and are checked on float64 CPU tensors (`tensors=True`: the
engine's arrays are handed over as tensors and the results read back, checks.adapters).
A2's linear_classifier.py has the losses on weights `(W, X, y, reg) -> (loss, dW)` with reg ΣW²
("please DO NOT multiply the regularization term by 1/2"), so only that convention; A3's
fully_connected_networks.py has classes with static `forward(...) -> (out, cache)` and
`backward(dout, cache)`: Linear, ReLU, Linear_ReLU, Dropout (p the probability of dropping a unit,
judged by its own mask as CS231n's dropout is); convolutional_networks.py has Conv, MaxPool,
BatchNorm, SpatialBatchNorm, Conv_ReLU and Conv_ReLU_Pool, CS231n's entries under the class names,
and the course's own sandwich layers over the student's batchnorms: Linear_BatchNorm_ReLU,
Conv_BatchNorm_ReLU and Conv_BatchNorm_ReLU_Pool (the course writes them with its FastConv and
FastMaxPool, torch's autograd inside a static class; checks.adapters reads their tensors back).
Student code: gates/student/eecs498_*.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .assignment1 import ASSIGNMENT1 as _ASSIGNMENT1, _REG, _SOFTMAX, _SVM, _reg_gradient_missing, _two_layer_net
from .layer_utils import _CONV_INPUTS, _CONV_SIZES, LAYER_UTILS, _conv, _conv_relu_pool_sizes, _pool
from .layers import LAYERS, RUNNING_VAR_FLOOR, DROP_PS, _affine, _conv_sizes, dropout_mask, _train_only
from .normalization import NORMALIZATION, _spatial_batchnorm
from .losses import _svm
from .spec import torch, F, st, Array, Call, Convention, Diagnoses, Fixed, GateSpec, Labels, Sizes, Steps

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
            "p": st.sampled_from(DROP_PS),
            "mode": st.sampled_from(["train", "test"]),
            "seed": st.integers(0, 2**16),
        },
        reference=None,
        # "We *drop* each neuron output with probability p"
        stochastic=dropout_mask(DROP_PS, lambda p: 1 - p, "1/(1 - p)", "p is used as the keep probability"),
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


def _channel_bn_param(s: Sizes, rng: np.random.Generator) -> dict[str, Any]:
    """bn_param of a batchnorm over the conv's F output channels; test mode brings running statistics."""
    param: dict[str, Any] = {"mode": s["mode"], "eps": 1e-5, "momentum": 0.9}
    if s["mode"] == "test":
        param["running_mean"] = rng.standard_normal(s["F"])
        param["running_var"] = rng.uniform(0.5, 2.0, s["F"])
    return param


# (x, w, b, gamma, beta, conv_param, bn_param[, pool_param]), as the course's forward takes them
_CONV_BN_INPUTS = {
    "x": _CONV_INPUTS["x"], "w": _CONV_INPUTS["w"], "b": _CONV_INPUTS["b"],
    "gamma": Array(("F",)),
    "beta": Array(("F",), grid=False),  # off the grid, as affine_bn_relu's: a grid beta = -gamma sits on the relu's kink
    "conv_param": _CONV_INPUTS["conv_param"],
    "bn_param": Fixed(_channel_bn_param, floors=RUNNING_VAR_FLOOR),
}  # fmt: skip
_MODE = {"mode": st.sampled_from(["train", "test"])}
_POOLING = {"Po": st.integers(1, 2), "PH": st.integers(1, 2), "PW": st.integers(1, 2), "pool_stride": st.integers(1, 2), "leftover": st.integers(0, 1)}

EECS498_A3_SANDWICH = (
    _in_torch(_CS231N["affine_bn_relu"], "Linear_BatchNorm_ReLU",
              "A3 convolutional_networks.py, torch: Linear_BatchNorm_ReLU.forward(x, w, b, gamma, beta, bn_param), the course's, over the student's BatchNorm"),
    GateSpec(
        name="Conv_BatchNorm_ReLU",
        convention=Convention.LAYER_PAIR,
        inputs=_CONV_BN_INPUTS,
        sizes={**_CONV_SIZES, "Ho": st.integers(1, 3), "Wo": st.integers(1, 3), **_MODE},
        derive=_conv_sizes,
        reference=lambda x, w, b, gamma, beta, conv_param, bn_param: torch.relu(
            _spatial_batchnorm(_conv(x, w, b, conv_param), gamma, beta, bn_param)),
        backward_on=_train_only,
        summary="A3, torch: Conv_BatchNorm_ReLU.forward(x, w, b, gamma, beta, conv_param, bn_param), over the student's SpatialBatchNorm",
        tensors=True,
    ),
    GateSpec(
        name="Conv_BatchNorm_ReLU_Pool",
        convention=Convention.LAYER_PAIR,
        inputs={
            **_CONV_BN_INPUTS,
            "pool_param": Fixed(lambda s, rng: {"pool_height": s["PH"], "pool_width": s["PW"], "stride": s["pool_stride"]}),
        },
        sizes={**_CONV_SIZES, **_POOLING, **_MODE},
        derive=_conv_relu_pool_sizes,
        assumes=lambda s: min(s["leftover"], s["pool_stride"] - 1) == 0,  # as max pool's docstring
        reference=lambda x, w, b, gamma, beta, conv_param, bn_param, pool_param: _pool(
            torch.relu(_spatial_batchnorm(_conv(x, w, b, conv_param), gamma, beta, bn_param)), pool_param),
        backward_on=_train_only,
        summary="A3, torch: Conv_BatchNorm_ReLU_Pool.forward(x, w, b, gamma, beta, conv_param, bn_param, pool_param)",
        tensors=True,
    ),
)  # fmt: skip


def _float64_cpu() -> dict[str, Any]:
    """A model constructor's dtype and device as the course's gradient checks give them."""
    import torch as real  # the registry's `torch` is lazy; a dtype must be torch's own

    return {"dtype": real.float64, "device": "cpu"}


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
            # one function gives both: called again for the gradients, read from the result not the loss
            backward=Call("", ("params", "X", "y", "reg"), ("loss", "grads")),
            grads={k: k for k in _NET},
            packs={"params": _NET},
        ),
        summary="A2 two_layer_net.py, torch: nn_forward_backward(params, X, y, reg) -> (loss, grads), relu net, softmax, reg ΣW²",
        tensors=True,
    ),
    GateSpec(
        name="nn_forward_pass",
        convention=Convention.FUNCTIONS,
        inputs={
            "W1": Array(("D", "H"), differentiable=False),
            "b1": Array(("H",), differentiable=False),
            "W2": Array(("H", "C"), differentiable=False),
            "b2": Array(("C",), differentiable=False),
            "X": Array(("N", "D"), differentiable=False),
        },
        sizes={"N": st.integers(1, 4), "D": st.integers(1, 4), "H": st.integers(1, 4), "C": st.integers(2, 4)},
        reference=lambda W1, b1, W2, b2, X: torch.relu(X @ W1 + b1) @ W2 + b2,
        steps=Steps(forward=(Call("", ("params", "X"), ("scores", "hidden")),), output="scores", packs={"params": _NET}),
        backward_on=lambda s: False,  # its backward is nn_forward_backward's
        summary="A2 two_layer_net.py, torch: nn_forward_pass(params, X) -> (scores, hidden), linear - relu - linear, forward only",
        tensors=True,
    ),
    # the course's own wrapper class around nn_forward_backward (its loss calls it): the student's
    # maths through the model's params, as the notebook trains it
    replace(
        next(s for s in _ASSIGNMENT1 if s.name == "TwoLayerNet"),
        construct=lambda s: {"input_size": s["D"], "hidden_size": s["H"], "output_size": s["C"], "std": 1e-4, **_float64_cpu()},
        reference=_two_layer_net(1.0),
        summary="A2 two_layer_net.py, torch: the course's TwoLayerNet(input_size, ...).loss(X, y, reg), through nn_forward_backward",
        tensors=True,
    ),
)
