"""How torch-tensor code is called (UMich EECS 498/598): the engine's float64 arrays in as CPU
tensors sharing their memory, the results back as arrays, a `device` parameter given the CPU, and
the student's calls run under `torch.inference_mode` unless their module uses autograd.

Inference mode skips autograd's bookkeeping on every tensor call (about a third of the time of a
student's small-tensor layer, measured by benchmarks/tensor_speed.py) and changes no value. It would
break code that records a graph itself (`requires_grad=True` then `loss.backward()`), so a module
whose code names any part of autograd runs as it is. Every call of one adapter into the student's
code runs in the same mode, so that a tensor made in one (a cache) can be changed in place in the next.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any, ContextManager

import numpy as np

from .conventions import TENSOR_DEVICE
from .guard import StudentError

# Names that show a module's code may use autograd: a tensor that records a graph, its gradient,
# torch.autograd / torch.func, a parameter (it requires grad). nn's modules too (_makes_modules);
# not nn itself: EECS 498's conv pads with torch.nn.functional.pad, which records nothing.
AUTOGRAD_NAMES = frozenset({
    "requires_grad", "requires_grad_", "autograd", "enable_grad", "set_grad_enabled", "grad_fn",
    "retain_grad", "retain_graph", "create_graph", "grad", "func", "functorch", "Parameter",
    "inference_mode",
})  # fmt: skip


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


def _codes(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _codes(const)


def _functions(value: Any) -> list[Any]:
    """A function itself (a method's), or a class's own methods (static, class methods, properties)."""
    value = getattr(value, "__func__", value)
    found = [getattr(v, "__func__", getattr(v, "fget", v)) for v in vars(value).values()] if inspect.isclass(value) else [value]
    return [f for f in found if isinstance(getattr(f, "__code__", None), CodeType)]


def _makes_modules(names: tuple[str, ...]) -> bool:
    """Code that says `nn` and names one of torch.nn's modules (nn.Linear: its weight requires grad)."""
    torch = _torch()
    if torch is None or "nn" not in names:
        return False
    module = torch.nn.Module
    return any(isinstance(c := getattr(torch.nn, n, None), type) and issubclass(c, module) for n in names)


def uses_autograd(fn: Callable[..., Any]) -> bool:
    """Whether `fn`'s code, its class's, or the code of what they name in their module (what it
    defines, or took from a file beside it: EECS 498's Conv_ReLU calls the course's FastConv, which
    runs torch's autograd) names any part of autograd; True where that cannot be read. Read through
    the functions' globals: discovery takes the student's modules out of sys.modules again."""
    try:
        own = _functions(fn)
        if not own:
            return True
        scope = own[0].__globals__
        folder = Path(own[0].__code__.co_filename).parent
        outer = scope.get(getattr(fn, "__qualname__", "").partition(".")[0])  # a method's class, read whole
        pending = [*own, *(_functions(outer) if inspect.isclass(outer) else [])]
        seen: set[int] = set()
        while pending:
            function = pending.pop()
            if id(function) in seen:
                continue
            seen.add(id(function))
            for c in _codes(function.__code__):
                keywords = {s for k in c.co_consts if isinstance(k, tuple) for s in k if isinstance(s, str)}
                if not AUTOGRAD_NAMES.isdisjoint((*c.co_names, *keywords)) or _makes_modules(c.co_names):
                    return True
                for name in c.co_names:
                    value = function.__globals__.get(name)
                    if inspect.isfunction(value) or inspect.isclass(value):
                        pending.extend(f for f in _functions(value) if Path(f.__code__.co_filename).parent == folder)
    except Exception:  # code that cannot be read: run it as it is
        return True
    return False


class Mode:
    """Whether one adapter calls its student code under inference mode. Read from the first function
    it calls (with its class and what they call: an implementation's functions share a module) and
    kept, so that a cache made by one call can be changed in place by the next; a later function of
    its own that uses autograd turns it off from there on."""

    def __init__(self) -> None:
        self._quiet: bool | None = None
        self._read: dict[int, Any] = {}  # id -> function read (kept alive, so the id stays its own)
        self._context: Any = None

    def around(self, fn: Callable[..., Any]) -> ContextManager[Any]:
        key = getattr(fn, "__func__", fn)  # a bound method is a new object on every access
        if self._read.get(id(key)) is not key:
            self._read[id(key)] = key
            if self._quiet is None or self._quiet:
                self._quiet = not uses_autograd(fn)
        if not self._quiet:
            return contextlib.nullcontext()
        if self._context is None:
            import torch

            self._context = torch.inference_mode()  # one object, entered once at a time
        return self._context
