"""How discovery tells CMU 11-785 MyTorch's classes and the course year they follow (the adapter
that calls them: checks.stateful).

A MyTorch class is told from the lecture's gate classes by where it lives (a `mytorch` package) or
by its signatures (MyTorch's `dLd...` parameter names; a `backward()` of no argument beside a
`forward(Z)` or `forward(A, Y)`), never by its name. The course's conventions changed together
between years (conventions.Era); which one a folder follows is read from its activations' backward
signatures, so that Linear's averaged dLdW is the template's own line in the older years and a scale
bug in the newer ones.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .conventions import Era

if TYPE_CHECKING:
    from .discover import Candidate

PACKAGE = "mytorch"  # the course's package name (a folder `mytorch`, `mytorch_hw2`, ...)
_NAMES = frozenset({"Z", "A", "Y", "eval"})  # MyTorch's forward parameters


def _params(fn: Callable[..., Any]) -> list[inspect.Parameter] | None:
    try:
        return [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    except (TypeError, ValueError):
        return None


# The 2020 handout's MyTorch is an autograd framework of its own: a `Tensor` whose operators call
# `Function.apply`, leaves that need `requires_grad`, functions `forward(ctx, ...)`/`backward(ctx, grad)`.
# Its Tensor has micrograd's shape (data, grad, backward, + and *) and its functions a static
# forward/backward pair, but neither follows those conventions.
AUTOGRAD_REASON = "not checked: CMU 11-785's autograd MyTorch (a Tensor with Function.apply, forward(ctx, ...)) is a framework gradgate does not check"


# The 2020 handouts before MyTorch's dLdZ names: activations with forward(x) and derivative(), a
# Linear leaving self.dW and self.db (W of shape (in, out), averaged over the batch), a
# SoftmaxCrossEntropy with derivative(). Found and said, never taken for a template left undone.
OLD_HANDOUT = "CMU 11-785's 2020 handout (forward(x) and derivative(), gradients as self.dW and self.db) is a convention gradgate does not check yet"
OLD_HANDOUT_REASON = f"not checked: {OLD_HANDOUT}"


def is_old_handout(cls: type, module: Any) -> bool:
    """A class of a `mytorch` package with forward and derivative() and no backward (2020's Tanh)."""
    return in_package(module) and all(callable(getattr(cls, m, None)) for m in ("forward", "derivative")) \
        and not callable(getattr(cls, "backward", None))


def in_package(module: Any) -> bool:
    """Whether a module is part of a `mytorch` package: by its name, or by its file's folders (a
    `mytorch/` checked as the target itself has modules named without it)."""
    name, file = getattr(module, "__name__", "") or "", getattr(module, "__file__", None) or ""
    # only the folders the module's name spans and the one it is imported from, never the folders
    # above the target (a checkout that happens to be called mytorch)
    folders = Path(file).parent.parts[-(name.count(".") + 1):] if file else ()
    return any(part.startswith(PACKAGE) for part in (*name.split("."), *folders))


def is_autograd(cls: type, module: Any) -> bool:
    """A class of MyTorch's autograd framework: in a mytorch package, a `Function` (its static
    forward takes `ctx` first) or the `Tensor` that looks like a scalar engine (the caller's test)."""
    if not in_package(module):
        return False
    forward = _params(getattr(cls, "forward", None)) if callable(getattr(cls, "forward", None)) else None
    return forward is None or (bool(forward) and forward[0].name == "ctx")


def is_stateful(cls: type, module: Any) -> bool:
    """A MyTorch class (it has forward and backward): in a `mytorch` package, or with MyTorch's
    signatures (a backward of dLdZ, dLdA, dLdBZ; or of nothing beside a forward of Z or A, Y)."""
    if in_package(module):
        return True
    forward, backward = _params(cls.forward), _params(cls.backward)
    if forward is None or backward is None:
        return False
    if backward and all(p.name.startswith("dLd") for p in backward if p.default is p.empty):
        return True
    return not backward and bool(forward) and {p.name for p in forward} <= _NAMES


def era_of(cls: type) -> Era | None:
    """What an activation's backward says of the course year: `backward()` beside a one-argument
    forward is the older dAdZ; `backward(dLdA)` the newer; anything else says nothing."""
    forward, backward = _params(cls.forward), _params(cls.backward)
    required = [p.name for p in forward or () if p.default is p.empty]
    if forward is None or backward is None or required != ["Z"]:  # an activation's forward(Z), not a model's forward(A)
        return None
    if not backward:
        return Era.DERIVATIVE
    return Era.GRADIENT if len(backward) == 1 and backward[0].name == "dLdA" else None


def _group(source: str) -> str:
    """The folder a class's year is read over: its `mytorch` package (within the three folders
    above it: mytorch/nn/modules/linear.py), else its own file."""
    path = Path(source)
    for parent in path.parents[:3]:
        if parent.name.startswith(PACKAGE):
            return str(parent)
    return source


def mark_eras(candidates: Sequence[Candidate], stateful: Any) -> None:
    """Give every stateful candidate the era its package's activations show (one era only: mixed
    or no evidence leaves it None, and every year's entry applies as an alternative)."""
    seen: dict[str, set[Era]] = {}
    mine = [c for c in candidates if c.convention is stateful]
    for cand in mine:
        era = era_of(cand.objects[0])
        if era is not None:
            seen.setdefault(_group(cand.source), set()).add(era)
    for cand in mine:
        eras = seen.get(_group(cand.source), set())
        cand.era = next(iter(eras)) if len(eras) == 1 else None


def course_paths(root: Path, limit: int = 50) -> list[str]:
    """The folders the course's runner puts on sys.path (`sys.path.append('mytorch')`, 'mytorch/nn',
    'models'), so that HW2P1's `from resampling import *` imports as it does there: every folder
    under `root` named mytorch..., its subfolders, and a `models` beside it."""
    found: list[str] = []
    packages = [root] if root.name.startswith(PACKAGE) else []
    try:
        packages += [p for p in sorted(root.glob(f"**/{PACKAGE}*"))[:limit] if p.is_dir()]
    except OSError:
        return found
    for package in packages:
        for folder in [package, *sorted(p for p in package.rglob("*") if p.is_dir())[:limit], package.parent / "models"]:
            if folder.is_dir() and folder.name != "__pycache__" and str(folder) not in found:
                found.append(str(folder))
    return found
