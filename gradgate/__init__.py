"""gradgate: checks hand-written backpropagation against finite differences and PyTorch autograd."""

from __future__ import annotations

__version__ = "0.1.0"
