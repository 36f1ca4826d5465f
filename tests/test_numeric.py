"""Finite differences: exact on smooth functions, kinks detected, relative error as CS231n's."""

from __future__ import annotations

import numpy as np
import pytest
from gradgate.checks.numeric import difference, elementwise_error, rel_error


def _F(fn):  # type: ignore[no-untyped-def]
    return lambda ts: [(float(fn(t)), abs(float(fn(t)))) for t in ts]


@pytest.mark.parametrize("x0", [-3.0, -0.5, 0.7, 2.0])
def test_smooth_function_derivative_and_no_kink(x0: float) -> None:
    f = lambda t: np.sin(x0 + t) * np.exp(0.3 * (x0 + t))
    d = difference(_F(f), float(f(0.0)), abs(float(f(0.0))), 1e-6)
    exact = np.cos(x0) * np.exp(0.3 * x0) + 0.3 * np.sin(x0) * np.exp(0.3 * x0)
    assert not d.kink
    assert d.error(exact) == 0.0
    assert d.error(exact * 1.001) > 1e-5  # a 0.1 % wrong gradient is not lost in the noise


@pytest.mark.parametrize("fn", [abs, lambda t: max(t, 0.0), lambda t: max(2 * t, -t), lambda t: -max(t, 0.0) + 0.5 * t])
def test_kink_at_the_point_is_detected(fn) -> None:  # type: ignore[no-untyped-def]
    d = difference(_F(fn), fn(0.0), abs(fn(0.0)), 1e-6)
    assert d.kink


def test_relu_just_off_the_kink_is_smooth() -> None:
    fn = lambda t: max(1e-3 + t, 0.0)
    d = difference(_F(fn), fn(0.0), abs(fn(0.0)), 1e-6)
    assert not d.kink and d.error(1.0) == 0.0


def test_rel_error_is_cs231n_elementwise() -> None:
    a, b = np.array([1.0, 1e-9, 5.0]), np.array([1.0, 2e-9, 4.0])
    assert rel_error(a, b) == pytest.approx(1 / 9)
    assert elementwise_error(a, b)[1] == pytest.approx(1e-9 / 1e-8)  # the 1e-8 floor
    assert rel_error(np.array([np.nan]), np.array([1.0])) == np.inf
    assert rel_error(np.array([np.inf]), np.array([np.inf])) == 0.0
