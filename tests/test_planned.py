"""An example's planned calls (checks.planned): the sandbox answers backward, the second backward,
the finite differences and the determinism forward in one round trip, and every verdict is the one
the calls made one by one give: the same values, judged in the same order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gradgate.checks import sandbox
from gradgate.checks.engine import run
from gradgate.checks.planned import Backward, Forward, Outputs, Prefetched
from gradgate.checks.results import RunReport
from gradgate.checks.sandbox import Sandbox
from gradgate.gates import REGISTRY

RELU = [s for s in REGISTRY if s.name == "relu"]
AFFINE = [s for s in REGISTRY if s.name == "affine"]

# Implementations whose verdict depends on what each call saw and left, call by call.
CASES = {
    # a second backward adds to the first's buffer: the second call differs, the first is right
    "accumulating_buffer": (RELU, '''
import numpy as np
_dx = {}
def relu_forward(x):
    return np.maximum(0, x), x
def relu_backward(dout, cache):
    buf = _dx.setdefault(id(cache), np.zeros_like(dout))
    buf += dout * (cache > 0)
    return buf
'''),
    # the first backward's gradient is a buffer the second backward overwrites with other values
    "overwritten_buffer": (RELU, '''
import numpy as np
_calls = [0]
_buf = {}
def relu_forward(x):
    return np.maximum(0, x), x
def relu_backward(dout, cache):
    _calls[0] += 1
    buf = _buf.setdefault(dout.shape, np.empty_like(dout))
    buf[...] = dout * (cache > 0) * (1.0 if _calls[0] % 2 else 2.0)
    return buf
'''),
    "changes_dout": (RELU, '''
import numpy as np
def relu_forward(x):
    return np.maximum(0, x), x
def relu_backward(dout, cache):
    dout[cache <= 0] = 0
    return dout
'''),
    "changes_its_cache": (AFFINE, '''
import numpy as np
def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    x *= 0.5
    return dx, dw, dout.sum(0)
'''),
    "raises_the_second_time": (RELU, '''
import numpy as np
def relu_forward(x):
    return np.maximum(0, x), [x]
def relu_backward(dout, cache):
    x = cache.pop()
    return dout * (x > 0)
'''),
    # correct, with kinks everywhere: its kink probes are live calls between the planned ones
    "correct_with_kinks": (RELU, '''
import numpy as np
def relu_forward(x):
    return x * (x > 0), x
def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)
'''),
    # a forward with state of its own: each call counts, in order
    "counts_its_calls": (RELU, '''
import numpy as np
_n = [0]
def relu_forward(x):
    _n[0] += 1
    return np.maximum(0, x) + (1e-3 if _n[0] % 7 == 0 else 0.0), x
def relu_backward(dout, cache):
    return dout * (cache > 0)
'''),
}


def _verdicts(report: RunReport) -> list[tuple[Any, ...]]:
    return [(r.implementation, r.status, r.message, r.counterexample, r.advisories) for r in report.results]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_sandbox_judges_call_by_call_as_in_process(name: str, tmp_path: Path) -> None:
    registry, source = CASES[name]
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    inproc = run(path, examples=20, seed=3, registry=registry)
    boxed = run(path, examples=20, seed=3, registry=registry, executor=Sandbox(timeout=10))
    assert inproc.results and _verdicts(boxed) == _verdicts(inproc)


def test_an_example_costs_two_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """forward, then one plan for the rest; nothing of the plan is asked for again."""
    ops: Counter[str] = Counter()
    request = sandbox._Child.request

    def counted(self: sandbox._Child, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        ops[message["op"]] += 1
        return request(self, message, timeout)

    monkeypatch.setattr(sandbox._Child, "request", counted)
    path = tmp_path / "affine.py"
    path.write_text(CASES["changes_its_cache"][1].replace("    x *= 0.5\n", ""))
    report = run(path, examples=20, seed=0, registry=AFFINE, executor=Sandbox(timeout=10))
    assert [r.status.value for r in report.results] == ["pass"]
    assert ops["plan"] >= 20 and ops["backward"] == 0 and ops["outputs"] == 0, ops
    assert ops["forward"] == ops["plan"], ops  # the determinism forward came with the plan


def test_only_the_next_planned_call_with_equal_arguments_is_answered_from_the_plan() -> None:
    dout = np.arange(6.0).reshape(2, 3)
    args = {"x": np.array([1.0, np.nan]), "p": {"mode": "train"}}
    plan = Prefetched(
        [Backward(dout, 7), Outputs([args]), Forward(args)], [{"grads": 1}, {"outs": 2}, {"out": 3}]
    )
    assert plan.take(Forward(dict(args))) is None  # not the next one: made live, the plan kept
    assert plan.take(Backward(dout + 1, 7)) is None  # other values
    assert plan.take(Backward(dout, 8)) is None  # another cache
    assert plan.take(Backward(dout.copy(), 7)) == {"grads": 1}
    assert plan.take(Outputs([{"x": np.array([1.0, np.nan]), "p": {"mode": "test"}}])) is None
    assert plan.take(Outputs([{"x": np.array([1.0, np.nan]), "p": {"mode": "train"}}])) == {"outs": 2}  # NaN is NaN
    assert plan.take(Forward({"x": np.array([1.0, np.nan], dtype=np.float32), "p": {"mode": "train"}})) is None  # dtype
    assert plan.take(Forward({"x": np.array([1.0, np.nan]), "p": {"mode": "train"}})) == {"out": 3}
    assert plan.take(Forward(args)) is None  # all answered
