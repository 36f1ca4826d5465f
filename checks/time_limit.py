"""The adaptive time limit of a call into student code: a multiple of the reference's own time on
the same input (gradgate.defaults.Adaptive).

The reference's forward and backward are timed once per distinct set of sizes (the examples of a
gate share few), before the student's forward on that input. The limit only grows over one
implementation's examples, so what runs after the fuzzing (the extreme-input probe, a diagnosis on
the widest example) is never held to a smaller input's limit.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from gradgate.defaults import Adaptive
from gradgate.gates.spec import GateSpec

from .examples import Example
from .guard import Guard
from .reference import Reference


class TimeLimit:
    """Sets `guard.limit` for each example of one implementation, when its policy is adaptive."""

    def __init__(self, spec: GateSpec, guard: Guard) -> None:
        self.spec = spec
        self.guard = guard
        self.timed: dict[str, float | None] = {}
        self.current: float | None = None

    def before(self, example: Example) -> None:
        policy = self.guard.timeout
        if not isinstance(policy, Adaptive):
            return  # a fixed --timeout, or none
        key = _key(example.sizes)
        if key not in self.timed:
            self.timed[key] = self._reference_seconds(example)
        limit = policy.seconds(self.timed[key])
        self.current = limit if self.current is None else max(self.current, limit)
        self.guard.limit = self.current

    def _reference_seconds(self, example: Example) -> float | None:
        """The reference's forward and backward on this input; None where there is no reference to
        time (a stochastic layer's, judged by the student's own mask) or it needs what only the
        student's forward gives (its masks): the policy's ceiling then."""
        refs = self.spec.references
        if not refs or (self.spec.reference_on is not None and not self.spec.reference_on(example.sizes)):
            return None
        best = None
        for _ in range(2):  # the faster of two: torch's first call of an operation sets it up
            started = time.perf_counter()
            try:
                ref = Reference(self.spec, example.values, example.sizes)
                if ref.leaves:
                    ref.vjp(np.ones_like(ref.out))
            except Exception:  # noqa: BLE001 - the reference proper runs later, with what it needs
                return None
            took = time.perf_counter() - started
            best = took if best is None else min(best, took)
        return best


def _key(sizes: Mapping[str, Any]) -> str:
    return repr(sorted(sizes.items()))
