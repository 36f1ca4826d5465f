"""The lecture's own numbers, on the built-in student implementation and on the torch reference."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch
from gradgate.gates import REGISTRY

from .conftest import STUDENT


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"_lecture_{name}", STUDENT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_circuit_numbers_from_the_lecture() -> None:
    lecture = _load("lecture")
    x, y, z = np.array([-2.0]), np.array([5.0]), np.array([-4.0])
    f, cache = lecture.circuit_forward(x, y, z)
    dx, dy, dz = lecture.circuit_backward(np.array([1.0]), cache)
    assert f.tolist() == [-12.0]
    assert (dx.tolist(), dy.tolist(), dz.tolist()) == ([-4.0], [-4.0], [3.0])


def test_circuit_reference_agrees_with_the_lecture() -> None:
    spec = next(s for s in REGISTRY if s.name == "circuit")
    x, y, z = (torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = spec.reference(x, y, z)
    f.backward()
    assert f.item() == -12.0
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_sigmoid_neuron_numbers_from_the_lecture() -> None:
    lecture = _load("lecture")
    w, x = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])
    f, cache = lecture.sigmoid_neuron_forward(w, x)
    dw, dx = lecture.sigmoid_neuron_backward(1.0, cache)
    assert float(f) == pytest.approx(1 / (1 + np.exp(-1.0)))  # the slide's 0.73
    np.testing.assert_allclose(dw, [-0.2, -0.39, 0.2], atol=0.01)
    np.testing.assert_allclose(dx, [0.39, -0.59], atol=0.01)


def test_l2_wx_gradients_are_the_lecture_formulas() -> None:
    lecture = _load("lecture")
    W, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    f, cache = lecture.l2_wx_forward(W, x)
    dW, dx = lecture.l2_wx_backward(1.0, cache)
    q = W @ x
    assert abs(f - 0.116) < 1e-12
    np.testing.assert_allclose(dW, 2 * np.outer(q, x))
    np.testing.assert_allclose(dx, 2 * W.T @ q)


@pytest.mark.parametrize("wrong", [np.nan, np.inf, 5.0], ids=["nan", "inf", "wrong_value"])
def test_graph_marks_the_lecture_input_whose_gradient_is_wrong(wrong: float) -> None:
    """On the lecture's numbers, a student's df/dx that is NaN, inf or wrong is the first disagreement
    going backward, and the right df/dy and df/dz are not marked. A non-finite gradient has the
    largest relative error there is, 1, which the JSON can hold (it has no inf)."""
    from gradgate.checks.examples import Example
    from gradgate.checks.graph import trace

    spec = next(s for s in REGISTRY if s.name == "circuit")
    values = {"x": np.array([-2.0]), "y": np.array([5.0]), "z": np.array([-4.0])}
    student = {"x": np.array([wrong]), "y": np.array([-4.0]), "z": np.array([3.0])}
    nodes = trace(spec, Example({"N": 1}, values), np.array([1.0]), student, lambda v: v)
    by_name = {n.name: n for n in nodes}
    assert by_name["x"].disagrees and by_name["x"].rel_error is not None and by_name["x"].rel_error > 0.1
    assert np.isfinite(by_name["x"].rel_error) and by_name["x"].rel_error <= 1.0
    assert [n.name for n in nodes if n.disagrees] == ["x"]
    assert by_name["y"].rel_error == 0.0 and by_name["z"].rel_error == 0.0
