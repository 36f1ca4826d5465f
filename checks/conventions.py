"""How students write a gate: the calling conventions the engine knows (see shared GUIDE).

A module of its own, free of the registry and of torch, so the grading sandbox's child process can
load the adapters without loading anything a student could use.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Convention(enum.Enum):
    LAYER_PAIR = "layer pair"  # NAME_forward(*inputs) -> (out, cache); NAME_backward(dout, cache)
    GATE_CLASS = "gate class"  # Cls().forward(*inputs) -> out; .backward(dout) -> grads
    LOSS_FUNCTION = "loss function"  # fn(*inputs) -> (loss, grad or grads)
    MODEL = "model"  # Cls(**construct).params[...] = ...; .loss(*data) -> (loss, grads)


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
STAFF_MODULES = frozenset({
    "fast_layers", "im2col", "im2col_cython", "data_utils", "gradient_check", "solver",
    "captioning_solver", "optim", "vis_utils", "coco_utils", "image_utils", "setup",
    "collectSubmission", "collect_submission", "makepdf", "features", "classifier_trainer",
})

# Packages the course's files import for what gradgate does not check, and what for: where one is
# not installed, a stand-in lets the module load, and only a call into it makes an implementation
# not checked (assignment 1's neural_net.py imports matplotlib.pyplot; the image utilities and
# features.py import scipy.misc's imread/imresize and scipy.ndimage's filters).
STAND_IN_PACKAGES = {
    "matplotlib": "the course uses it only to plot",
    "scipy": "the course uses it to read, resize and filter images",
    "IPython": "a leftover debugging import (from IPython import embed)",
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
