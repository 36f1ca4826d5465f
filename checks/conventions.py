"""How students write a gate: the calling conventions the engine knows (see shared GUIDE).

A module of its own, free of the registry and of torch, so the grading sandbox's child process can
load the adapters without loading anything a student could use.
"""

from __future__ import annotations

import enum


class Convention(enum.Enum):
    LAYER_PAIR = "layer pair"  # NAME_forward(*inputs) -> (out, cache); NAME_backward(dout, cache)
    GATE_CLASS = "gate class"  # Cls().forward(*inputs) -> out; .backward(dout) -> grads
    LOSS_FUNCTION = "loss function"  # fn(*inputs) -> (loss, grad or grads)
    MODEL = "model"  # Cls(**construct).params[...] = ...; .loss(*data) -> (loss, grads)
