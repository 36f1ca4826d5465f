"""Assertions for a user's own tests: fuzz one implementation against the registry (torch autograd and
finite differences), or any forward/backward pair against finite differences alone.

    from gradgate.api import assert_gate, assert_gradients

    def test_affine():
        assert_gate(affine_forward, affine_backward, gate="affine")

    def test_my_layer():  # not in the registry: checked against finite differences of its forward
        assert_gradients(my_forward, my_backward, inputs={"x": (3, 4), "w": (4,)})

Each raises AssertionError with the report `gradgate check` prints: the check that failed, the worst
relative error per input and the minimal example. Options are keyword-only and checked before anything
runs. Under pytest with the gradgate plugin the defaults (seed, examples, profile) are the session's,
so the seed printed in pytest's header reproduces these checks as well; elsewhere the seed is 0.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gradgate.checks.discover import Candidate
from gradgate.checks.engine import Options, check_implementation
from gradgate.checks.matching import configurations, match
from gradgate.checks.results import Status
from gradgate.gates import REGISTRY
from gradgate.gates.spec import Array, Convention, GateSpec

from . import terminal

__all__ = ["assert_gate", "assert_gate_class", "assert_gradients", "assert_loss", "assert_model"]

_ASSERT_FOR = {
    Convention.LAYER_PAIR: "assert_gate",
    Convention.GATE_CLASS: "assert_gate_class",
    Convention.LOSS_FUNCTION: "assert_loss",
    Convention.MODEL: "assert_model",
}


def assert_gate(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    *,
    gate: str,
    examples: int | None = None,
    seed: int | None = None,
) -> None:
    """Check a layer pair, `forward(*inputs) -> (out, cache)` and `backward(dout, cache) -> grads`,
    against the registry's `gate` (e.g. "affine", "relu", "conv")."""
    __tracebackhide__ = True
    _require_callable(forward, "forward")
    _require_callable(backward, "backward")
    specs = _specs(gate, Convention.LAYER_PAIR, (forward, backward))
    _check(specs, (forward, backward), forward, _options(examples, seed))


def assert_gate_class(
    cls: type,
    *,
    gate: str | None = None,
    examples: int | None = None,
    seed: int | None = None,
) -> None:
    """Check a gate class, `cls().forward(*inputs) -> out` then `.backward(dout) -> grads`, against the
    registry's `gate` (by default the class's own name, e.g. "MultiplyGate")."""
    __tracebackhide__ = True
    if not inspect.isclass(cls):
        raise TypeError(f"cls should be a class with forward and backward methods, got {_kind(cls)}")
    missing = [m for m in ("forward", "backward") if not callable(getattr(cls, m, None))]
    if missing:
        raise TypeError(f"{cls.__name__} should have forward and backward methods; it has no {', '.join(missing)}")
    specs = _specs(cls.__name__ if gate is None else gate, Convention.GATE_CLASS, (cls,))
    _check(specs, (cls,), cls, _options(examples, seed))


def assert_loss(
    fn: Callable[..., Any],
    *,
    gate: str,
    examples: int | None = None,
    seed: int | None = None,
) -> None:
    """Check a loss function, `fn(*inputs) -> (loss, grad or grads)`, against the registry's `gate`
    (e.g. "softmax_loss", "svm_loss")."""
    __tracebackhide__ = True
    _require_callable(fn, "fn")
    specs = _specs(gate, Convention.LOSS_FUNCTION, (fn,))
    _check(specs, (fn,), fn, _options(examples, seed))


def assert_model(
    cls: type,
    *,
    gate: str | None = None,
    examples: int | None = None,
    seed: int | None = None,
) -> None:
    """Check a model class, `.params` set from the inputs and `.loss(X, y) -> (loss, grads)`, against
    the registry's `gate` (by default the class's own name, e.g. "TwoLayerNet")."""
    __tracebackhide__ = True
    if not inspect.isclass(cls) or not callable(getattr(cls, "loss", None)):
        raise TypeError(f"cls should be a class with a loss method, got {_kind(cls)}")
    specs = _specs(cls.__name__ if gate is None else gate, Convention.MODEL, (cls,))
    _check(specs, (cls,), cls, _options(examples, seed))


def assert_gradients(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    *,
    inputs: Mapping[str, Sequence[int] | Array],
    examples: int | None = None,
    seed: int | None = None,
) -> None:
    """Check a forward/backward pair the registry does not know against finite differences of its own
    forward (along one random direction per example, then entry by entry on a failing one).

    `forward(*inputs) -> (out, cache)` is called with float64 arrays of the given shapes, in the order
    of `inputs`; `backward(dout, cache)` returns one gradient per input (a lone array for one input).
    A value of `inputs` is a shape, `{"x": (3, 4)}`, or an `Array` for declared kinks
    (`Array((3, 4), avoid_zero=True)`). There is no torch reference, so the forward itself is only
    checked for finite, repeatable output.
    """
    __tracebackhide__ = True
    _require_callable(forward, "forward")
    _require_callable(backward, "backward")
    arrays = _fixed_inputs(inputs)
    label = getattr(forward, "__name__", "forward")
    name = label
    for suffix in ("_forward_naive", "_forward"):
        if label.endswith(suffix) and len(label) > len(suffix):
            name = label[: -len(suffix)]
            break
    spec = GateSpec(
        name=name,
        convention=Convention.LAYER_PAIR,
        inputs=arrays,
        sizes={},
        reference=None,
        summary="a user's function, checked against finite differences alone",
    )
    _check((spec,), (forward, backward), forward, _options(examples, seed))


def _check(specs: tuple[GateSpec, ...], objects: tuple[Any, ...], main: Any, options: Options) -> None:
    __tracebackhide__ = True
    source = _source(main)
    first = specs[0]
    candidate = Candidate(first.name, first.convention, objects, getattr(main, "__name__", first.name), source)
    roots = (Path(source).resolve().parent,) if source else ()
    # a configurable model is checked in every configuration the course grades; each must pass
    results = [check_implementation(specs, candidate, options, roots, configuration=c) for c in configurations(specs)]
    failed = [r for r in results if r.status is not Status.PASS]
    if failed:
        lines = [line for r in failed for line in terminal.implementation_lines(r)]
        if not options.derandomize:
            lines.append(f"      (seed={options.seed} repeats this check)")
        raise AssertionError("\n".join(lines))


def _options(examples: object, seed: object) -> Options:
    if examples is not None and (isinstance(examples, bool) or not isinstance(examples, int) or examples < 1):
        raise ValueError(f"examples should be a whole number >= 1, got {examples!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32):
        raise ValueError(f"seed should be a whole number with 0 <= seed < 2**32, got {seed!r}")
    base = _session_options() or Options(seed=0)
    return Options(
        examples=base.examples if examples is None else examples,
        seed=base.seed if seed is None else seed,
        timeout=base.timeout,
        # an explicit seed asks for that seed's examples, not the derandomized ones
        derandomize=base.derandomize and seed is None,
    )


def _session_options() -> Options | None:
    # The plugin module is in sys.modules only under pytest; importing it here would drag pytest
    # into a notebook that only wants the assertions.
    plugin = sys.modules.get("gradgate.plugin")
    return plugin.session_options() if plugin is not None else None


def _specs(gate: object, convention: Convention, objects: tuple[Any, ...]) -> tuple[GateSpec, ...]:
    """The registry entries, chosen as `gradgate check` chooses them (by name, then by signature)."""
    if not isinstance(gate, str):
        raise TypeError(f"gate should be the name of a registry entry (a str), got {_kind(gate)}")
    found = match(Candidate(gate, convention, objects, gate, ""), REGISTRY)
    if not isinstance(found, str):
        return found
    if any(s.name == gate and s.convention is convention for s in REGISTRY):
        raise ValueError(f"{gate!r}: {found}")
    other = next((s for s in REGISTRY if s.name == gate), None)
    if other is not None:
        raise ValueError(
            f"{gate!r} is a {other.convention.value} in the registry: check it with {_ASSERT_FOR.get(other.convention, 'gradgate check or %gradgate')}"
        )
    known = ", ".join(s.name for s in REGISTRY if s.convention is convention)
    raise ValueError(
        f"the registry has no {convention.value} named {gate!r} (it knows {known}); "
        "for a function of your own use assert_gradients"
    )


def _fixed_inputs(inputs: object) -> dict[str, Array]:
    if not isinstance(inputs, Mapping) or not inputs:
        raise TypeError(f"inputs should be a non-empty dict of name -> shape, e.g. {{'x': (3, 4)}}, got {inputs!r}")
    arrays: dict[str, Array] = {}
    for name, value in inputs.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"input names should be non-empty strings, got {name!r}")
        array = value if isinstance(value, Array) else Array(_shape(name, value))
        if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in array.shape):
            raise ValueError(f"inputs[{name!r}] should have a shape of whole numbers >= 1, got {array.shape!r}")
        arrays[name] = array
    return arrays


def _shape(name: str, value: object) -> tuple[Any, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(value)
    raise TypeError(f"inputs[{name!r}] should be a shape such as (3, 4) or an Array, got {_kind(value)}")


def _require_callable(fn: object, what: str) -> None:
    if not callable(fn):
        raise TypeError(f"{what} should be a function, got {_kind(fn)}")


def _source(obj: Any) -> str:
    try:
        return inspect.getsourcefile(obj) or ""
    except TypeError:  # builtins, functools.partial and the like have no file
        return ""


def _kind(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]
