"""The registry: every gate and layer gradgate knows, one declarative `GateSpec` each."""

from __future__ import annotations

from .layers import LAYERS
from .lecture import LECTURE
from .losses import LOSSES
from .models import MODELS
from .spec import GateSpec

REGISTRY: tuple[GateSpec, ...] = LECTURE + LAYERS + LOSSES + MODELS

__all__ = ["REGISTRY", "GateSpec"]
