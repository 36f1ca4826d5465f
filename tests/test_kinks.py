"""At a kink any subgradient is accepted; away from it a wrong entry is still caught.

Examples are built by hand with inputs exactly on kinks (what hypothesis loves: 0.0 and ties), and
examined by the battery directly.
"""

from __future__ import annotations

import numpy as np
from gradgate.checks.adapters import bind
from gradgate.checks.battery import Battery
from gradgate.checks.examples import Example
from gradgate.checks.guard import Guard
from gradgate.checks.results import Status
from gradgate.gates import REGISTRY


def _spec(name: str):  # type: ignore[no-untyped-def]
    return next(s for s in REGISTRY if s.name == name)


def relu_forward(x):  # type: ignore[no-untyped-def]
    return np.maximum(0, x), x


def relu_backward_tie_to_one(dout, cache):  # type: ignore[no-untyped-def]
    return dout * (cache >= 0)  # a valid subgradient at 0 (torch takes 0)


def relu_backward_wrong_off_kink(dout, cache):  # type: ignore[no-untyped-def]
    return dout * (cache >= -0.5)  # wrong on (-0.5, 0)


class MaxGate:
    def forward(self, x, y):  # type: ignore[no-untyped-def]
        self.x, self.y = x, y
        return np.maximum(x, y)

    def backward(self, dz):  # type: ignore[no-untyped-def]
        to_x = self.x >= self.y  # ties routed to x; torch splits them half and half
        return dz * to_x, dz * ~to_x


def _examine(name: str, objects: tuple, values: dict) -> Status:  # type: ignore[type-arg]
    spec = _spec(name)
    battery = Battery(spec, bind(spec, spec.convention, Guard(10.0), objects))
    outcome = battery.examine(Example(sizes={}, values=values, dout_seed=7))
    return Status.PASS if outcome.failure is None else outcome.failure.status


def test_relu_subgradient_at_zero_is_accepted() -> None:
    x = np.array([[0.0, 1.5, 0.0], [-2.0, 0.0, 0.25]])
    assert _examine("relu", (relu_forward, relu_backward_tie_to_one), {"x": x}) is Status.PASS


def test_relu_wrong_entry_off_the_kink_is_caught_even_beside_kinks() -> None:
    x = np.array([[0.0, 1.5, 0.0], [-0.25, 0.0, 0.25]])
    assert _examine("relu", (relu_forward, relu_backward_wrong_off_kink), {"x": x}) is Status.FAIL


def test_max_ties_routed_to_one_input_are_accepted() -> None:
    x = np.array([[1.0, -0.5, 2.0], [0.0, 3.0, -1.0]])
    y = np.array([[1.0, -0.5, 1.0], [0.0, 3.0, -2.0]])  # four ties
    assert _examine("MaxGate", (MaxGate,), {"x": x, "y": y}) is Status.PASS
