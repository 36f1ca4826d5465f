"""The Python API for a user's own tests: passes correct code, raises a readable AssertionError on a bug."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from gradgate.gates.spec import Array

import gradgate.plugin  # noqa: F401 - loaded before inline pytester runs, which restore sys.modules
from gradgate.api import assert_gate, assert_gate_class, assert_gradients, assert_loss, assert_model

pytest_plugins = ["pytester"]

FAST: dict[str, Any] = {"examples": 20, "seed": 1}


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Any]:
    return np.maximum(0, x), x


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    return dout * (cache > 0)


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Any]:
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)


def affine_backward_db_first_row(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, ...]:
    x, w, _ = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout[0]


class MultiplyGate:
    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.x, self.y = x, y
        return x * y

    def backward(self, dz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return dz * self.y, dz * self.x


class SwappedMultiplyGate(MultiplyGate):
    def backward(self, dz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return dz * self.x, dz * self.y


def softmax_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return -log_probs[np.arange(n), y].sum() / n, dx / n


def softmax_loss_not_averaged(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    loss, dx = softmax_loss(x, y)
    return loss, dx * x.shape[0]  # the loss is a mean over N, its gradient should be too


class TwoLayerNet:
    def __init__(self, input_dim: int, hidden_dim: int, num_classes: int, weight_scale: float, reg: float) -> None:
        rng = np.random.default_rng(0)
        self.reg = reg
        self.params = {
            "W1": weight_scale * rng.standard_normal((input_dim, hidden_dim)),
            "b1": np.zeros(hidden_dim),
            "W2": weight_scale * rng.standard_normal((hidden_dim, num_classes)),
            "b2": np.zeros(num_classes),
        }

    def loss(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h = np.maximum(0, X @ W1 + b1)
        loss, dscores = softmax_loss(h @ W2 + b2, y)
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dh = (dscores @ W2.T) * (h > 0)
        grads = {
            "W2": h.T @ dscores + self.reg * W2,
            "b2": dscores.sum(0),
            "W1": X.T @ dh + self.reg * W1,
            "b1": dh.sum(0),
        }
        return loss, grads


class TwoLayerNetNoRegGrad(TwoLayerNet):
    def loss(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        loss, grads = super().loss(X, y)
        grads["W1"] = grads["W1"] - self.reg * self.params["W1"]
        return loss, grads


# A function the registry does not know: out = x**3 * w (w broadcast over rows).
def cube_forward(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, Any]:
    return x**3 * w, (x, w)


def cube_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray]:
    x, w = cache
    return dout * 3 * x**2 * w, (dout * x**3).sum(axis=0)


def cube_backward_power_rule_slip(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray]:
    x, w = cache
    return dout * 3 * x * w, (dout * x**3).sum(axis=0)


def test_correct_implementations_pass() -> None:
    assert_gate(relu_forward, relu_backward, gate="relu", **FAST)
    assert_gate_class(MultiplyGate, **FAST)
    assert_loss(softmax_loss, gate="softmax_loss", **FAST)
    assert_model(TwoLayerNet, **FAST)


def test_same_name_models_are_told_apart_by_their_constructor() -> None:
    """Assignment 1's TwoLayerNet(input_size, hidden_size, output_size) with loss(X, y, reg) is its
    own registry entry, picked as `gradgate check` picks it; the wrong one would fail the call."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "gates" / "student" / "neural_net.py"
    module_spec = importlib.util.spec_from_file_location("a1_neural_net", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    assert_model(module.TwoLayerNet, **FAST)

    class Odd:
        def __init__(self, sizes: Any) -> None: ...
        def loss(self, X: Any, y: Any = None) -> Any: ...

    with pytest.raises(ValueError, match="its parameters fit no registry entry named 'TwoLayerNet'"):
        assert_model(Odd, gate="TwoLayerNet")


def test_a_buggy_layer_fails_with_the_cli_report() -> None:
    with pytest.raises(AssertionError) as raised:
        assert_gate(affine_forward, affine_backward_db_first_row, gate="affine", **FAST)
    message = str(raised.value)
    assert message.startswith("FAIL  affine")
    assert "backward_vs_torch: db differs from torch autograd" in message
    assert re.search(r"worst relative error: .*db \d\.\de[+-]\d\d", message)  # the value is the example's
    assert "minimal example (N=2" in message
    assert "(seed=1 repeats this check)" in message


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (lambda: assert_gate_class(SwappedMultiplyGate, gate="MultiplyGate", **FAST), "dx differs from torch"),
        (lambda: assert_loss(softmax_loss_not_averaged, gate="softmax_loss", **FAST), "dx differs from torch"),
        (lambda: assert_model(TwoLayerNetNoRegGrad, gate="TwoLayerNet", **FAST), "dW1 differs from torch"),
    ],
    ids=["gate class", "loss", "model"],
)
def test_buggy_gate_class_loss_and_model_fail(check: Any, expected: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(expected)):
        check()


def test_assert_gradients_checks_an_unknown_function_against_finite_differences() -> None:
    inputs = {"x": (3, 2), "w": (2,)}
    assert_gradients(cube_forward, cube_backward, inputs=inputs, **FAST)
    with pytest.raises(AssertionError) as raised:
        assert_gradients(cube_forward, cube_backward_power_rule_slip, inputs=inputs, **FAST)
    message = str(raised.value)
    assert re.match(r"FAIL  cube +cube_backward ", message)  # the row names the function that is wrong
    assert "backward_vs_fd: the directional derivative of (dx,dw)" in message
    assert "dx expected = " in message and "(finite differences)" in message
    assert "torch" not in message


def test_assert_gradients_takes_arrays_with_declared_kinks() -> None:
    assert_gradients(relu_forward, relu_backward, inputs={"x": Array((4, 3), avoid_zero=True)}, **FAST)


def never_called(*args: Any) -> Any:
    raise RuntimeError("the options should have been refused before any call")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: assert_gate(never_called, never_called, gate="afine"), ValueError, "no layer pair named 'afine'"),
        (
            lambda: assert_gate(never_called, never_called, gate="MultiplyGate"),
            ValueError,
            "check it with assert_gate_class",
        ),
        (lambda: assert_gate(never_called, never_called, gate=cast(Any, 3)), TypeError, "gate should be the name"),
        (lambda: assert_gate(never_called, cast(Any, None), gate="relu"), TypeError, "backward should be a function"),
        (lambda: assert_gate(never_called, never_called, gate="relu", examples=0), ValueError, "examples should be"),
        (lambda: assert_gate(never_called, never_called, gate="relu", examples=True), ValueError, "examples should"),
        (lambda: assert_gate(never_called, never_called, gate="relu", seed=-1), ValueError, "seed should be"),
        (lambda: assert_gate(never_called, never_called, gate="relu", seed=2**32), ValueError, "seed should be"),
        (lambda: assert_gate_class(cast(Any, never_called)), TypeError, "should be a class with forward and backward"),
        (lambda: assert_loss(never_called, gate="relu"), ValueError, "check it with assert_gate"),
        (lambda: assert_model(MultiplyGate), TypeError, "class with a loss method"),
        (lambda: assert_gradients(never_called, never_called, inputs={}), TypeError, "non-empty dict"),
        (lambda: assert_gradients(never_called, never_called, inputs={"x": (0, 2)}), ValueError, "shape of whole"),
        (lambda: assert_gradients(never_called, never_called, inputs={"x": "3x4"}), TypeError, "should be a shape"),
        (
            lambda: assert_gradients(never_called, never_called, inputs={"x": Array(("N", 2))}),
            ValueError,
            "shape of whole numbers",
        ),
    ],
)
def test_options_are_validated_before_anything_runs(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_under_pytest_the_failure_shows_no_gradgate_frames_and_uses_the_session_seed(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_user="""
        from gradgate.api import assert_gate

        def affine_forward(x, w, b):
            return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)

        def affine_backward(dout, cache):
            x, w, b = cache
            return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout[0]

        def test_affine():
            assert_gate(affine_forward, affine_backward, gate="affine", examples=20)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--gradgate-seed", "42")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    failure = text[text.index("_ test_affine _") : text.index("short test summary")]
    assert "minimal example" in failure and "(seed=42 repeats this check)" in failure
    for internal in ("gradgate/api.py", "gradgate/checks", "check_implementation"):
        assert internal not in failure, internal
