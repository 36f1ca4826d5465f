"""Code written for another framework's tensors (UMich EECS 498's torch layers, CMU 10-714's needle
ops), told apart from numpy code. Torch code is checked with the tensor convention where the
registry has an entry for it (gates/eecs498.py: `GateSpec.tensors`), and otherwise listed as not
checked with TORCH_REASON (checks.matching.match); needle code is always listed as not checked.

Conservative on purpose: a function counts as torch code only if its module imports torch AND its
own code names one of those torch objects or uses a method or keyword only tensors have
(`.clone()`, `.t()`, `.mm()`, `dim=`); a numpy module that imports torch for something else is
checked as usual.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

TORCH_REASON = (
    "not checked: written for torch tensors (UMich EECS 498 style); gradgate checks torch code only under "
    "the names of its torch entries (gradgate list)"
)
NEEDLE_REASON = "not checked: written for needle tensors (CMU 10-714); gradgate checks numpy code"
NEEDLE_OP_REASON = "not checked: a needle TensorOp (CMU 10-714: compute/gradient on needle tensors); gradgate checks numpy code"

# Attribute names numpy arrays do not have and torch tensors do: one of them in a function of a
# module that imports torch means the function is called with tensors.
TENSOR_ONLY = frozenset({
    "clone", "t", "mm", "bmm", "unsqueeze", "permute", "contiguous", "masked_fill", "masked_fill_",
    "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "numel", "detach", "cuda", "cpu",
    "double", "type_as", "expand", "expand_as", "clamp", "clamp_", "clamp_min", "index_add_",
    "scatter_", "scatter_add_", "add_", "mul_", "sub_", "zero_", "requires_grad", "mv",
})
TENSOR_KEYWORDS = frozenset({"dim", "keepdim"})  # numpy says axis=, keepdims=


def _framework(value: Any) -> str | None:
    """'torch' or 'needle' when `value` is that package, one of its modules or defined in it."""
    name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
    top = name.partition(".")[0] if isinstance(name, str) else None
    return top if top in ("torch", "needle") else None


def _imported(module: ModuleType, framework: str) -> set[str]:
    """The module's global names bound to `framework` objects (`torch`, `nn`, `zeros_like`)."""
    names = set()
    for name, value in vars(module).items():
        try:
            if _framework(value) == framework:
                names.add(name)
        except Exception:  # an object whose attributes raise is not a framework's
            continue
    return names


def _codes(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _codes(const)


def functions(obj: Any) -> list[Any]:
    """A function itself, or a class's own methods (static and class methods and properties included)."""
    if inspect.isfunction(obj):
        return [obj]
    if inspect.isclass(obj):
        return [getattr(v, "__func__", getattr(v, "fget", v)) for v in vars(obj).values()]
    return []


def _names(obj: Any) -> set[str]:
    """Global, attribute and keyword-argument names used by a function or by a class's methods."""
    names: set[str] = set()
    for fn in functions(obj):
        code = getattr(fn, "__code__", None)
        if not isinstance(code, CodeType):
            continue
        for c in _codes(code):
            names.update(c.co_names)
            names.update(s for k in c.co_consts if isinstance(k, tuple) for s in k if isinstance(s, str))
    return names


def written_for(module: ModuleType, objects: tuple[Any, ...], _seen: frozenset[int] = frozenset()) -> str | None:
    """Why these objects (a layer pair's functions, a class) are not numpy code, or None. Code
    that calls torch code of its own module is torch code too (EECS 498's Linear_ReLU calls
    Linear.forward and ReLU.forward and names no torch object itself)."""
    if _framework(module) == "needle":
        return NEEDLE_OP_REASON if any(is_needle_op(o) for o in objects) else NEEDLE_REASON
    used = set().union(*(_names(o) for o in objects))
    if used & _imported(module, "needle"):
        return NEEDLE_REASON
    torch_names = _imported(module, "torch")
    if torch_names and used & (torch_names | TENSOR_ONLY | TENSOR_KEYWORDS):
        return TORCH_REASON
    if torch_names:
        seen = _seen | {id(o) for o in objects}
        for name in sorted(used):
            own = vars(module).get(name)
            if (inspect.isfunction(own) or inspect.isclass(own)) and getattr(own, "__module__", None) == module.__name__ \
                    and id(own) not in seen and written_for(module, (own,), seen) == TORCH_REASON:
                return TORCH_REASON
    return None


def imports_torch(module: ModuleType) -> bool:
    return bool(_imported(module, "torch"))


def is_needle_op(obj: Any) -> bool:
    """A class deriving from needle's TensorOp (EWiseAdd, MatMul, ... in hw1 of CMU 10-714)."""
    return inspect.isclass(obj) and any(base.__name__ == "TensorOp" for base in obj.__mro__[1:])


# ---- CMU 10-714 needle: what its TensorOps are checked as (checks.tensor_op) and what is its frame

NEEDLE = "needle"
OP_BASES = ("TensorOp", "TensorTupleOp")
# The course's autograd core (autograd.py): the frame the student's ops run in, not their work to judge.
CORE = frozenset({"Op", "TensorOp", "TensorTupleOp", "Value", "Tensor", "TensorTuple", "NDArray"})
# hw3+'s compiled array backend (`make` builds ndarray_backend_cpu.so, and the CUDA one): a needle that
# imports it without the build cannot load here, and an op written for its NDArray (`.compact()`,
# `.permute()`) cannot run on numpy; neither is the student's error.
NDARRAY_BACKEND = re.compile(r"ndarray_backend_(?:cpu|cuda)")
NDARRAY_REASON = ("not checked: it needs needle's compiled NDArray backend (ndarray_backend_cpu, built by the "
                  "course's `make`), which is not built here; gradgate runs needle on its numpy backend (hw1, hw2)")
NDARRAY_METHODS = frozenset({"compact", "permute", "as_strided", "is_compact", "broadcast_to", "pad", "flip",
                             "undilate", "dilate", "make", "fill", "device", "to"})
# methods hw3's NDArray has and numpy arrays lack, which hw1 code has no business calling (numpy has
# them as functions): needle's own backend only where the student's package holds it (backend_ndarray/)
NDARRAY_MATH = frozenset({"maximum", "log", "exp", "tanh"})


def raised_in_ndarray_needle(exc: BaseException) -> bool:
    """Whether code that raised `exc` is in a needle package holding the course's NDArray backend
    (`needle/backend_ndarray/`, hw3 on): code written for that backend, run on numpy here."""
    return any(
        (folder / "backend_ndarray").is_dir()
        for frame in traceback.extract_tb(exc.__traceback__) for folder in Path(frame.filename).parents if folder.name == NEEDLE
    )  # fmt: skip
NO_TENSOR_REASON = ("not checked: a needle TensorOp, but its autograd defines no Tensor class to build the op's "
                    "inputs from (needle's autograd.py has one)")


def _bases(cls: type) -> list[str]:
    try:
        return [base.__name__ for base in cls.__mro__[1:]]
    except Exception:  # a class whose mro cannot be read: not one
        return []


def is_tensor_class(obj: Any) -> bool:
    """A needle Tensor class: derives from the course's `Value` (Tensor, nn's Parameter(Tensor))."""
    return inspect.isclass(obj) and "Value" in _bases(obj)


def is_tensor_op(obj: Any) -> bool:
    """A needle op: derives from TensorOp (or TensorTupleOp), and is not that base itself."""
    return inspect.isclass(obj) and obj.__name__ not in OP_BASES and any(b in OP_BASES for b in _bases(obj)) \
        and callable(getattr(obj, "compute", None)) and callable(getattr(obj, "gradient", None))


def is_needle_core(obj: Any) -> bool:
    """The course's autograd classes (Op, TensorOp, Value, Tensor, TensorTuple) where a TensorOp is
    defined beside them (a needle autograd.py, or a needle in one file)."""
    if not inspect.isclass(obj):
        return False
    if is_tensor_class(obj):  # a Tensor, or nn's Parameter(Tensor)
        return True
    if obj.__name__ not in CORE:
        return False
    module = sys.modules.get(getattr(obj, "__module__", ""), None)
    op = getattr(module, "TensorOp", None) if module is not None else None
    return inspect.isclass(op) and (obj is op or "Value" in _bases(obj) or "Op" in _bases(obj) or obj.__name__ in ("Op", "Value"))


def is_nn_module(obj: Any) -> bool:
    """A needle nn.Module subclass (Linear, Sequential, SoftmaxLoss, ... in hw2's nn.py)."""
    return inspect.isclass(obj) and obj.__name__ != "Module" and "Module" in _bases(obj)


@contextlib.contextmanager
def numpy_backend() -> Iterator[None]:
    """needle's backend_selection reads NEEDLE_BACKEND when it is imported: the numpy one while the
    student's needle is imported (hw3+ default to their compiled NDArray)."""
    before = os.environ.get("NEEDLE_BACKEND")
    if before == "np":  # already (the grading sandbox's child sets it in its environment)
        yield
        return
    os.environ["NEEDLE_BACKEND"] = "np"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NEEDLE_BACKEND", None)
        else:
            os.environ["NEEDLE_BACKEND"] = before


_RAISE: Any = object()


def tensor_class(op: type, default: Any = _RAISE) -> Any:
    """The student's needle Tensor: of the module that defines their TensorOp (autograd.py);
    `default` where there is none, else StudentError."""
    for base in op.__mro__[1:]:
        if base.__name__ in OP_BASES:
            # the namespace of autograd.py, through a method the base defines there (discovery has
            # taken the student's modules out of sys.modules again by the time an op is checked)
            for value in vars(base).values():
                tensor = getattr(value, "__globals__", {}).get("Tensor")
                if inspect.isclass(tensor):
                    return tensor
            module = sys.modules.get(base.__module__)
            tensor = getattr(module, "Tensor", None) if module is not None else None
            if inspect.isclass(tensor):
                return tensor
    glob = getattr(op.compute, "__globals__", {})
    tensor = glob.get("Tensor")
    if inspect.isclass(tensor):
        return tensor
    if default is not _RAISE:
        return default
    raise LookupError(f"{op.__name__}: no needle Tensor class beside its TensorOp (autograd.py defines one)")
