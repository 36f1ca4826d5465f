"""The registry: every gate and layer gradgate knows, one declarative `GateSpec` each.

Entries may share a name (assignment 1's and assignment 2's TwoLayerNet): the engine picks the one
whose `signature` fits (`checks.matching.match`). Assignment 2's comes first, for callers that look a
name up without a signature. `COURSES` groups the entries by the course they come from, for
`gradgate list`.
"""

from __future__ import annotations

from .assignment1 import ASSIGNMENT1
from .dls import DLS
from .dls_shallow import DLS_SHALLOW
from .eecs498 import EECS498, EECS498_A2_NET, EECS498_A3_CONV, EECS498_A3_SANDWICH
from .eecs498_models import EECS498_MODELS
from .layer_utils import LAYER_UTILS
from .layers import LAYERS
from .lecture import LECTURE
from .losses import LOSSES
from .micrograd import MICROGRAD
from .models import MODELS
from .needle import NEEDLE
from .mytorch import MYTORCH_HW1
from .mytorch_cnn import MYTORCH_HW2
from .networks import NETWORKS
from .normalization import NORMALIZATION
from .rnn_layers import RNN_LAYERS
from .spec import GateSpec

COURSES: tuple[tuple[str, tuple[GateSpec, ...]], ...] = (
    ("Lecture (backprop circuits)", LECTURE),
    ("CS231n assignment 1", ASSIGNMENT1),
    ("CS231n assignment 2", LAYERS + NORMALIZATION + LAYER_UTILS + LOSSES + MODELS + NETWORKS),
    ("CS231n assignment 3", RNN_LAYERS),
    ("deeplearning.ai DLS (course 1 weeks 2-4, course 2 week 1)", DLS_SHALLOW + DLS),
    ("micrograd (a scalar autograd engine: Value, its ops and backward)", MICROGRAD),
    ("UMich EECS 498-007/598-005 (torch tensors: A2 linear classifiers, A3 layers and models)",
     EECS498 + EECS498_A2_NET + EECS498_A3_CONV + EECS498_A3_SANDWICH + EECS498_MODELS),
    ("CMU 10-714 needle (TensorOps: compute on numpy, gradient on needle Tensors; hw1, hw2; hw2's nn modules through needle's autograd)", NEEDLE),
    ("CMU 11-785 MyTorch (HW1P1, HW2P1: stateful classes, gradients left on the object)", MYTORCH_HW1 + MYTORCH_HW2),
)

REGISTRY: tuple[GateSpec, ...] = (
    LECTURE + LAYERS + NORMALIZATION + LAYER_UTILS + LOSSES + MODELS + NETWORKS + ASSIGNMENT1 + RNN_LAYERS + DLS_SHALLOW + DLS + MICROGRAD + EECS498 + EECS498_A2_NET + EECS498_A3_CONV + EECS498_A3_SANDWICH
    + EECS498_MODELS + NEEDLE + MYTORCH_HW1 + MYTORCH_HW2
)

__all__ = ["COURSES", "REGISTRY", "GateSpec"]
