"""The strategies reach what breaks student code, generically for every registry entry: each size
takes its smallest value and several others, and every drawn example is legal for the reference."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from gradgate.checks.examples import examples
from gradgate.checks.reference import Reference
from gradgate.gates import REGISTRY
from gradgate.gates.spec import Array, GateSpec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import sampled


def _smallest(strategy: st.SearchStrategy[object]) -> object:
    from hypothesis import find

    # No example database: find() keys saved examples by its condition, the same lambda for every
    # size, so one size's saved simplest value would be replayed for the next.
    return find(strategy, lambda _: True, settings=settings(database=None))


@pytest.mark.parametrize("spec", sampled(list(REGISTRY), 3), ids=lambda s: s.name)  # every entry under GRADGATE_FULL=1
def test_sizes_reach_their_extremes_and_examples_are_legal(spec: GateSpec) -> None:
    seen: dict[str, set[object]] = defaultdict(set)

    @settings(max_examples=150, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(examples(spec))
    def draw(example) -> None:  # type: ignore[no-untyped-def]
        for name in spec.sizes:
            value = example.sizes[name]
            seen[name].add(tuple(value) if isinstance(value, list) else value)
        if spec.references:  # a stochastic layer's reference is its own mask (checks.stochastic)
            ref = Reference(spec, example.values, example.sizes)
            assert np.all(np.isfinite(ref.out)), "the reference must be finite on every drawn example"
        for name, inp in spec.inputs.items():
            if isinstance(inp, Array):
                # an optional input is there exactly when its size says so
                present = inp.when is None or bool(example.sizes[inp.when])
                assert (name in example.values) == present, name
                assert not present or example.values[name].dtype == np.float64

    draw()
    for name, strategy in spec.sizes.items():
        smallest = _smallest(strategy)
        smallest = tuple(smallest) if isinstance(smallest, list) else smallest
        assert smallest in seen[name], f"{spec.name}: size {name} never took its smallest value {smallest}"
        assert len(seen[name]) > 1, f"{spec.name}: size {name} never varied"


SPY = '''
import numpy as np

def relu_forward(x):
    with open({log!r}, "a") as log:
        log.write(f"{{x.shape}} {{x.sum()!r}}\\n")
    return np.maximum(0, x), x

def relu_backward(dout, cache):
    return dout * (cache > 0)
'''


def test_examples_depend_on_the_seed_alone_not_on_the_modules_loaded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Hypothesis mixes literals of every loaded local module into its draws; the examples of a seed
    must not change because a student's (or any other) module with new numbers was imported."""
    import importlib
    import sys

    from gradgate.checks.engine import run

    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    (tmp_path / "spy_one.py").write_text(SPY.format(log=str(logs[0])))
    (tmp_path / "spy_two.py").write_text(SPY.format(log=str(logs[1])))
    run(tmp_path / "spy_one.py", examples=60, seed=11)
    numbers = tmp_path / "lots_of_numbers"
    numbers.mkdir()
    # literals that fit the draws (seeds, sizes, indices), as any student module has
    (numbers / "gradgate_numbers_module.py").write_text(
        "NUMBERS = [" + ", ".join(str(n) for n in [0, 1, 2, 3, 5, 7, 11, 13, 64, 255, 4097, 65537, 3000000019, 4294967295]) + "]\n"
        "FLOATS = [0.5, 1e-3, 2.5, 123.456]\n"
    )
    sys.path.insert(0, str(numbers))
    try:
        importlib.import_module("gradgate_numbers_module")
        run(tmp_path / "spy_two.py", examples=60, seed=11)
    finally:
        sys.path.remove(str(numbers))
        sys.modules.pop("gradgate_numbers_module", None)
    first, second = (log.read_text().splitlines() for log in logs)
    assert len(first) >= 60
    assert first == second


COUNTING = '''
import numpy as np

def relu_forward(x):
    with open({log!r}, "a") as log:
        log.write("f\\n")
    return np.maximum(0, x), x

def relu_backward(dout, cache):
    return dout * (cache > 0)
'''


@pytest.mark.parametrize("examples, most", [(100, 3), (10, None)])
def test_the_repeated_calls_are_made_on_a_share_of_a_long_runs_examples(tmp_path, examples: int, most: int | None) -> None:  # type: ignore[no-untyped-def]
    """Finite differences, the determinism forward and a second backward are implied by a forward and
    a backward that agree with torch: a long run makes them on one example in 8 (and on any that
    disagrees), a short one on all. Either way every check is measured."""
    from gradgate.checks.engine import run
    from gradgate.checks.results import Check

    log = tmp_path / "calls.log"
    (tmp_path / "relu.py").write_text(COUNTING.format(log=str(log)))
    (result,) = run(tmp_path / "relu.py", examples=examples, seed=5, registry=[s for s in REGISTRY if s.name == "relu"]).results
    assert result.examples_run == examples
    measured = {c.check for c in result.checks if c.max_rel_error is not None}
    assert {Check.BACKWARD_FD, Check.DETERMINISM, Check.BACKWARD_TORCH} <= measured, result.checks
    forwards = len(log.read_text().splitlines())
    if most is None:  # all six forwards on every example: the first, four differences, determinism
        assert forwards >= 6 * examples, forwards
    else:
        assert forwards <= most * examples, forwards


def test_hypothesis_s_changed_test_cases_bring_new_examples_in_every_part() -> None:
    """Hypothesis makes most test cases by changing a part of an earlier one; a batch's examples in
    the unchanged parts must still be new (their seeds are mixed with the whole test case)."""
    from gradgate.checks.examples import batches
    from hypothesis import Phase

    spec = next(s for s in REGISTRY if s.name == "relu")
    drawn: list[tuple[int, str]] = []

    @settings(max_examples=60, database=None, deadline=None, phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(batches(spec, 4))
    def draw(batch) -> None:  # type: ignore[no-untyped-def]
        # by seed and sizes: two seeds may give equal values on the grid (a 1x1 input of 2.0)
        drawn.extend((e.seed, repr(e.sizes)) for e in batch)

    draw()
    assert len(set(drawn)) >= 0.95 * len(drawn), f"{len(set(drawn))} different of {len(drawn)}"
