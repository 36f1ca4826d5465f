"""How torch-tensor code is called (UMich EECS 498/598): the engine's float64 arrays in as CPU
tensors sharing their memory, the results back as arrays, a `device` parameter given the CPU.

The student's calls run in torch's default mode. torch.inference_mode would take a fifth off a
small-tensor conv, but whether code records a graph of its own (the course's FastConv, reached
through a dict, a base class, or a tensor memoised by another layer) cannot be read from it
reliably: each way of reading it failed correct code.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .conventions import TENSOR_DEVICE
from .guard import StudentError


def _torch() -> Any:
    """torch if loaded: only torch code's conventions load it, and they have by the time they ask."""
    return sys.modules.get("torch")


def is_tensor(value: Any) -> bool:
    torch = _torch()
    return torch is not None and isinstance(value, torch.Tensor)


def to_tensor(value: Any) -> Any:
    """An engine array as a float64 (labels: int64) CPU torch tensor sharing its memory, so that an
    in-place change by the student's code shows in the array; anything else as it is."""
    if not isinstance(value, np.ndarray):
        return value
    import torch  # only for torch-tensor conventions: the numpy ones never load it

    try:
        return torch.from_numpy(value)
    except (ValueError, TypeError):  # negative strides, a read-only array: a copy
        return torch.tensor(np.array(value))


def from_tensor(value: Any, what: str) -> Any:
    """A torch result as a numpy array; a numpy array where the course has a tensor is a contract
    violation (a `.numpy()` call: it fails on the GPU the course runs on)."""
    if isinstance(value, np.ndarray):
        raise StudentError(f"{what} should be a torch tensor, got a numpy array of shape {value.shape} (a .numpy() call?): the course's code runs on tensors")
    if is_tensor(value):
        return (value if value.device.type == "cpu" else value.cpu()).detach().numpy()
    return value


def device_keyword(fn: Callable[..., Any], given: int) -> dict[str, str]:
    """{"device": "cpu"} where `fn` has a `device` parameter the `given` positional arguments leave
    unfilled: a default of 'cuda' is the course's GPU, not the student's error."""
    try:
        found = _device_parameter(fn)
    except TypeError:  # an unhashable callable: read its signature each time
        found = _device_parameter.__wrapped__(fn)
    if found is None:
        return {}
    n, positional_only, positional = found
    if positional_only or (positional and n < given):
        return {}
    return {"device": TENSOR_DEVICE}


@functools.lru_cache(maxsize=1024)
def _device_parameter(fn: Callable[..., Any]) -> tuple[int, bool, bool] | None:
    """Where `fn`'s `device` parameter is (index, positional-only, positional), None if it has none.
    Cached: a signature costs tens of microseconds, and every call of torch code asks."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    for n, p in enumerate(params):
        if p.name == "device" and p.kind is not p.VAR_POSITIONAL:
            return n, p.kind is p.POSITIONAL_ONLY, p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    return None
