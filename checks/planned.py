"""Calls the battery announces before it makes them, so an executor can answer them in one go.

Once an example's forward has been judged, the rest of its calls are known: backward on the
upstream gradient, a second backward on the same cache, the finite differences' forwards and the
determinism forward. The sandbox sends them to its child in one round trip instead of four and
hands each answer out when the battery makes that call (`Prefetched`). A call is answered from the
plan only if it is the next planned call with equal arguments; any other call (a kink probe, a
diagnosis) runs as it always does. Each answer is the raw result the live call would have given:
every verdict is still made by the battery, from the same values, in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Forward:
    args: Mapping[str, Any]


@dataclass(frozen=True)
class Backward:
    dout: np.ndarray
    state: Any


@dataclass(frozen=True)
class Outputs:
    many: Sequence[Mapping[str, Any]]


Call = Forward | Backward | Outputs


def same(a: Any, b: Any) -> bool:
    """Equal arguments: arrays of one shape, dtype and values (NaN equal to NaN), containers alike."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape or a.dtype != b.dtype:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # an object without a plain equality: not the planned call
        return False


def matches(planned: Call, made: Call) -> bool:
    if type(planned) is not type(made):
        return False
    if isinstance(planned, Backward):
        assert isinstance(made, Backward)
        return planned.state == made.state and same(planned.dout, made.dout)
    if isinstance(planned, Forward):
        assert isinstance(made, Forward)
        return same(planned.args, made.args)
    assert isinstance(made, Outputs)
    return same(list(planned.many), list(made.many))


class Prefetched:
    """The answers to a plan, handed out in order to the calls that match it."""

    def __init__(self, calls: Sequence[Call] = (), answers: Sequence[Any] = ()) -> None:
        self.queue = list(zip(calls, answers, strict=True))

    def take(self, made: Call) -> Any | None:
        """The planned answer to this call, if it is the next one planned; None: make it live."""
        if self.queue and matches(self.queue[0][0], made):
            return self.queue.pop(0)[1]
        return None
