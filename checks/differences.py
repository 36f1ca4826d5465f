"""How a difference the battery finds is described: which entries (`2 entries, first at [0, 1]`),
which shape, which key of a param dict, which of several upstream gradients."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from gradgate.gates.spec import Floor

from .adapters import _squeezed
from .numeric import rel_error
from .reference import Reference


def where(mask: np.ndarray) -> str:
    if mask.ndim == 0:
        return "the value" if mask else ""
    idx = np.argwhere(mask)
    if not len(idx):
        return ""
    first = ", ".join(str(int(i)) for i in idx[0])
    return f"{len(idx)} entr{'y' if len(idx) == 1 else 'ies'}, first at [{first}]"


def param_differences(
    got: Any, expected: Any, path: str, limit: float, floors: Mapping[str, Floor], harmless: list[str], floor: Floor | None = None
) -> list[str]:
    """Where a (nested) param object differs from the reference's; extra keys are the student's own.
    A difference within the spec's `Floor` for its key is not one: it is described in `harmless`."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{path} is {type(got).__name__}, expected a dict"]
        out: list[str] = []
        for key, value in expected.items():
            if key not in got:
                out.append(f"{path}[{key!r}] is missing")
            else:
                out.extend(param_differences(got[key], value, f"{path}[{key!r}]", limit, floors, harmless, floors.get(key, floor)))
        return out
    if isinstance(expected, (np.ndarray, float, np.floating)) and not isinstance(expected, bool):
        try:
            g = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return [f"{path} is {type(got).__name__}, expected numbers"]
        e = np.asarray(expected, dtype=np.float64)
        if g.shape != e.shape and np.squeeze(g).shape == np.squeeze(e).shape:
            g = g.reshape(e.shape)  # running statistics kept with keepdims: (1, D) for (D,) is the same state
        if g.shape != e.shape:
            return [f"{path} has shape {g.shape}, expected {e.shape}"]
        err = rel_error(g, e)
        if not err > limit:
            return []
        with np.errstate(all="ignore"):
            gap = float(np.max(np.abs(g - e), initial=0.0))
        if floor is not None and gap <= floor.atol:  # NaN is never within a floor
            harmless.append(f"{path} differs from the reference by up to {gap:.1e} (relative error {err:.1e}), within {floor.atol:g}: {floor.why}")
            return []
        return [f"{path} has relative error {err:.1e}"]
    return [] if got == expected else [f"{path} is {got!r}, expected {expected!r}"]


def changed_in_place(now: np.ndarray, before: np.ndarray) -> str:
    """How an argument was changed in place since it was passed ("" if not; NaN equals NaN): its
    values, or its shape (`x.shape = (N, -1)` reshapes the caller's array too)."""
    if now.shape != before.shape:
        return f"its shape {before.shape} became {now.shape}"
    if now.dtype == before.dtype and now.tobytes() == before.tobytes():
        return ""  # the same bits: the usual case, told without comparing entry by entry
    return where(~((now == before) | (np.isnan(now) & np.isnan(before))))


def upstream(changed: np.ndarray, ref: Reference | None) -> str:
    """Which upstream gradient changed, and where: with several outputs (lstm_step's next_h, next_c)
    the backward got one per output, and the flat index of the joined vector means nothing."""
    if ref is None or len(ref.parts) < 2:
        return f"dout in place ({where(changed)})"
    flat, start = changed.reshape(-1), 0
    for n, shape in enumerate(ref.parts, start=1):
        size = math.prod(shape)
        part = flat[start : start + size].reshape(shape)
        start += size
        if part.any():
            return f"its upstream gradient for output {n} of {len(ref.parts)} in place (argument {n}: {where(part)})"
    return f"dout in place ({where(changed)})"


def same_shape(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return a == b or (math.prod(a) == 1 and math.prod(b) == 1)


def axis_of_one(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """What a gradient's shape that differs only by axes of size 1 says: a sum's keepdims (db as
    (1, M) for b (M,), or DLS's (n, 1) summed to (n,)), which the course's in-place update rejects."""
    if _squeezed(got) != _squeezed(expected):
        return ""
    more = len(got) > len(expected)
    return (f" (the same entries {'with an extra' if more else 'without the'} axis of size 1: "
            f"a sum {'with' if more else 'without'} keepdims=True? the parameter's update `{'b -= lr * db' if more else 'b = b - lr * db'}` "
            f"{'fails' if more else 'changes its shape'} with it)")
