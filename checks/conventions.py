"""How students write a gate: the calling conventions the engine knows (see shared GUIDE).

A module of its own, free of the registry and of torch, so the grading sandbox's child process can
load the adapters without loading anything a student could use.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Convention(enum.Enum):
    LAYER_PAIR = "layer pair"  # NAME_forward(*inputs) -> (out, cache); NAME_backward(dout, cache)
    GATE_CLASS = "gate class"  # Cls().forward(*inputs) -> out; .backward(dout) -> grads
    LOSS_FUNCTION = "loss function"  # fn(*inputs) -> (loss, grad or grads)
    MODEL = "model"  # Cls(**construct).params[...] = ...; .loss(*data) -> (loss, grads)
    FUNCTIONS = "functions"  # plain functions called as the spec's `Steps` say (deeplearning.ai DLS)
    SCALAR_ENGINE = "scalar engine"  # a micrograd-style Value class: ops build a graph, .backward() fills .grad
    TENSOR_OP = "tensor op"  # CMU 10-714 needle: a TensorOp subclass, compute(*arrays) and gradient(out_grad, node)
    NN_MODULE = "nn module"  # CMU 10-714 needle: a Module subclass, forward(*tensors) of needle ops, needle's autograd (checks.nn_module)
    STATEFUL = "stateful class"  # CMU 11-785 MyTorch: Cls(...).forward(*inputs) keeps state; .backward(...) (checks.stateful)


# The input of a scalar-engine entry that holds its expression: Python statements (`t = a * b`,
# `out = t.tanh()`) that checks.scalar_engine runs on the student's Values and gates/ on tensors.
EXPRESSION = "expression"

# The operations a scalar engine may define: discovery records which of them a class has, and an
# entry that calls one the class lacks is listed as not checked, saying which. A named operation is
# found in any case (nanograd's `reLU` is its relu); the student's spelling is what is called.
SCALAR_METHODS = (
    "__add__", "__radd__", "__mul__", "__rmul__", "__sub__", "__rsub__", "__truediv__", "__rtruediv__",
    "__neg__", "__pow__", "relu", "tanh", "exp", "sigmoid", "log", "backward",
)  # fmt: skip


# How a torch-tensor implementation is called (UMich EECS 498/598): the engine's float64 arrays as
# float64 CPU tensors sharing their memory (an in-place change still shows), its results back as
# arrays; a `device` parameter is given "cpu". checks.adapters does the conversion.
TENSOR_DEVICE = "cpu"


@dataclass(frozen=True)
class Ops:
    """What a scalar-engine entry calls of the student's class: `methods` (of SCALAR_METHODS) its
    expressions use, and `label`, how its result is named after the class (`__mul__`: Value.__mul__).
    An `optional` entry checks an operation beyond the lecture's (sigmoid, log), which most classes
    do not have: a class without it is not listed for it."""

    methods: tuple[str, ...]
    label: str
    optional: bool = False


@dataclass(frozen=True)
class Call:
    """One call of a `Steps`: `function` ("" for the implementation itself, else a name in its
    module: its own definition or an import, as a course helper is) on values of the pool named by
    `arguments`; `results` name what it returns (one name binds the whole result, several unpack a
    tuple of that length)."""

    function: str
    arguments: tuple[str, ...]
    results: tuple[str, ...]


@dataclass(frozen=True)
class Steps:
    """How plain functions form one implementation (L_model_forward, compute_cost, L_model_backward).

    The pool starts as the spec's inputs by name, plus a dict per `packs` entry (the DLS
    `parameters`: W1, b1, ... that are present). `forward` runs in order; the pool's `output` is the
    checked output. `backward`, if any, returns a dict: `grads` maps each differentiable input to
    its key there (W1 -> dW1; by default d + the input's name). `unpack` names the entries of a tuple
    in the pool (the course's dropout cache, Z1, D1, A1, ...); those in `observed` (its masks D1,
    D2, each with the value whose shape it must have) are handed to the reference, so a stochastic
    forward is judged by its own draw."""

    forward: tuple[Call, ...]
    output: str
    backward: Call | None = None
    grads: Mapping[str, str] = field(default_factory=dict)
    packs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unpack: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    observed: Mapping[str, str] = field(default_factory=dict)

    def plain(self) -> dict[str, Any]:
        """As JSON-able data, for the grading sandbox's child."""
        def call(c: Call | None) -> list[Any] | None:
            return None if c is None else [c.function, list(c.arguments), list(c.results)]

        return {
            "forward": [call(c) for c in self.forward], "output": self.output, "backward": call(self.backward),
            "grads": dict(self.grads), "packs": {k: list(v) for k, v in self.packs.items()},
            "unpack": {k: list(v) for k, v in self.unpack.items()}, "observed": dict(self.observed),
        }  # fmt: skip

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> Steps:
        def call(c: list[Any] | None) -> Call | None:
            return None if c is None else Call(c[0], tuple(c[1]), tuple(c[2]))

        forward = tuple(c for c in (call(x) for x in data["forward"]) if c is not None)
        return cls(
            forward, data["output"], call(data["backward"]), dict(data["grads"]),
            {k: tuple(v) for k, v in data["packs"].items()}, {k: tuple(v) for k, v in data["unpack"].items()},
            dict(data["observed"]),
        )  # fmt: skip


class Upstream(enum.Enum):
    """What a stateful class's backward takes and gives (CMU 11-785 MyTorch)."""

    GRADIENT = "gradient"  # backward(dLdZ) -> dLdA: the vector-Jacobian product
    NONE = "none"  # a loss: backward() -> dLdA, the gradient of its own scalar
    DERIVATIVE = "derivative"  # the older activations: backward() -> dAdZ, the elementwise derivative


class Era(enum.Enum):
    """MyTorch's conventions, which changed together between course years: the activations'
    backward (told by its signature) and with it Linear's and the losses' gradient scale."""

    GRADIENT = "backward(dLdA)"  # activations return dLdZ; Linear's dLdW, the losses' dLdA are true gradients
    DERIVATIVE = "backward() -> dAdZ"  # activations return dAdZ; the template averages dLdW, dLdb over the batch


@dataclass(frozen=True)
class Stateful:
    """How a MyTorch class is called: `Cls(*construct)` (the spec's constructor arguments, in the
    course's order), `params` (input -> attribute) written onto the object as the course's
    autograder does (`linear.W = W`), forward(*the other inputs), then backward as `upstream` says;
    it returns the gradient of the forward's first array input, and leaves `stored` (input ->
    attribute: W -> dLdW) on the object. `era`: the course years the entry is, None for all."""

    params: Mapping[str, str] = field(default_factory=dict)
    stored: Mapping[str, str] = field(default_factory=dict)
    upstream: Upstream = Upstream.GRADIENT
    era: Era | None = None
    # a size that seeds numpy's global generator before each forward, as the course's tests do
    # (needle's Dropout draws its mask through init.randb, from np.random); None: left alone
    seeded: str | None = None

    def plain(self) -> dict[str, Any]:
        """As JSON-able data, for the grading sandbox's child."""
        return {"params": dict(self.params), "stored": dict(self.stored), "upstream": self.upstream.value,
                "era": None if self.era is None else self.era.value, "seeded": self.seeded}  # fmt: skip

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> Stateful:
        era = data.get("era")
        seeded = data.get("seeded")
        return cls(dict(data["params"]), dict(data["stored"]), Upstream(data["upstream"]), None if era is None else Era(era),
                   str(seeded) if seeded is not None else None)  # fmt: skip


class Option(NamedTuple):
    """A model configuration's option against its baseline, as the constructor's keyword arguments
    say it ("dropout_keep_ratio=0.5" against "dropout_keep_ratio=1"), and the parameters only the
    option brings (gamma1, beta1 under normalization). A tuple, so that it crosses the sandbox's wire."""

    words: str
    baseline: str
    added: tuple[str, ...]


# Course-provided (staff) modules of a CS231n assignment folder, by module name: not the student's
# work, so never checked, and a missing one (or one that cannot import: an uncompiled im2col_cython,
# Python 2 staff code) must not make the student's own modules fail.
# deeplearning.ai's helpers beside its notebooks count the same, under any release's name
# (`dnn_utils_v2`, `testCases_v4a`, `dnn_app_utils_v3`): the course's own sigmoid and relu in
# dnn_utils.py are not the student's to be judged on.
STAFF_MODULES = frozenset({
    "fast_layers", "im2col", "im2col_cython", "data_utils", "gradient_check", "solver",
    "captioning_solver", "optim", "vis_utils", "coco_utils", "image_utils", "setup",
    "collectSubmission", "collect_submission", "makepdf", "features", "classifier_trainer",
    "dnn_utils", "dnn_app_utils", "testCases", "testcases", "test_cases", "public_tests", "test_utils",
    "init_utils", "reg_utils", "gc_utils", "opt_utils", "lr_utils", "planar_utils", "tf_utils", "utils_grader",
    # UMich EECS 498/598's helpers beside the student's files (the course's own torch svm_loss, data, plots)
    "a1_helper", "a2_helpers", "a3_helper", "a4_helper", "a5_helper", "a6_helper",
    # CMU 11-785's autograder scripts beside mytorch/ (they run the student's classes on import)
    "hw1p1_autograder", "hw1p1_autograder_flags", "hw1p1_bonus_autograder", "bonus_autograder",
})

_RELEASE = re.compile(r"_v\d+[a-z]?$")


def release(module: str) -> str:
    """A course module's name without its package or its release suffix (dnn_utils_v2: dnn_utils)."""
    return _RELEASE.sub("", module.rpartition(".")[2])


def is_staff(module: str) -> bool:
    """Whether a module name (dotted or not) is a course-provided module's. Inside CMU 11-785's
    `mytorch` package every module is the student's (its `optim` is their SGD, not CS231n's optim.py)."""
    if any(part.startswith("mytorch") for part in module.split(".")[:-1]):
        return False
    return release(module) in STAFF_MODULES

# Packages the course's files import for what gradgate does not check, and what for: where one is
# not installed, a stand-in lets the module load, and only a call into it makes an implementation
# not checked (assignment 1's neural_net.py imports matplotlib.pyplot; the image utilities and
# features.py import scipy.misc's imread/imresize and scipy.ndimage's filters).
STAND_IN_PACKAGES = {
    "matplotlib": "the course uses it only to plot",
    "mpl_toolkits": "the course uses it only to plot (matplotlib's 3-D axes)",
    "scipy": "CS231n's image utilities use it to read, resize and filter images",
    "IPython": "a leftover debugging import (from IPython import embed)",
    # deeplearning.ai's helpers (reg_utils, dnn_app_utils_v3, init_utils) load their datasets with these
    "h5py": "the course uses it to load its datasets",
    "sklearn": "the course uses it to make its toy datasets",
    "pandas": "the course uses it to load its datasets",  # DLS's 2021+ reg_utils.py: football.csv
    "PIL": "the course uses it to open images",
    # UMich EECS 498/598: its helper package (data, plots, its Solver) and the torchvision it loads CIFAR with
    "eecs598": "the course's helper package (data, plots, its Solver)",
    "torchvision": "the course uses it to load its datasets",
    "cv2": "the course's helper package uses it to draw and resize images",  # eecs598/utils.py imports it
    "graphviz": "micrograd uses it only to draw the graph (draw_dot)",
}

# The names students import from staff modules with `from .fast_layers import *`, for a stand-in when
# the file itself is missing (otherwise its own top-level names are read from it).
STAFF_API = {
    "fast_layers": (
        "conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast", "max_pool_backward_fast",
        "conv_forward_im2col", "conv_backward_im2col", "conv_forward_strides", "conv_backward_strides",
        "max_pool_forward_reshape", "max_pool_backward_reshape", "max_pool_forward_im2col",
        "max_pool_backward_im2col",
    ),
    "im2col_cython": ("im2col_cython", "col2im_cython", "col2im_6d_cython"),
    "im2col": ("get_im2col_indices", "im2col_indices", "col2im_indices"),
    "gradient_check": (
        "eval_numerical_gradient", "eval_numerical_gradient_array", "eval_numerical_gradient_blobs",
        "eval_numerical_gradient_net", "grad_check_sparse",
    ),
}
