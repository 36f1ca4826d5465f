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


# A conv bias in front of batchnorm has a gradient that is zero by structure: the student's and
# torch's come out as rounding residues of the terms summed inside the graph, which grow as the
# batch's spread shrinks while a ReLU after it keeps every final gradient small (grid inputs, a 1x1
# kernel mostly over padding: hypothesis found this one; 4 of 300 upstream gradients leave a residue
# past 1e-12 of the final gradients, dout_seed 49 among them).
_CONV_BN = {
    "x": [[[[0.0, -0.5, 0.0]]], [[[0.5, 0.5, 1.0]]]], "w": [[[[-0.5]]], [[[1.0]]]],
    "b": [0.36648844898386823, 0.3210666020299926], "gamma": [-1.0, 0.5], "beta": [-1.0624574838345866, 1.4906196407311614],
}  # fmt: skip
_CONV_BN_SIZES = {"N": 2, "C": 1, "F": 2, "HH": 1, "WW": 1, "stride": 2, "pad": 1, "Ho": 2, "Wo": 3, "mode": "train", "H": 1, "W": 3}


def _conv_bn(shift: float) -> Status:
    from pathlib import Path

    from gradgate.checks.discover import discover
    from gradgate.checks.executor import IN_PROCESS

    found = discover(Path(__file__).resolve().parent.parent / "gates" / "student" / "eecs498_convolutional.py")
    (candidate,) = [c for c in found.candidates if c.name == "Conv_BatchNorm_ReLU"]
    forward, backward = candidate.objects

    def shifted(dout, cache):  # type: ignore[no-untyped-def]  # db off by `shift`: a real error
        dx, dw, db, dgamma, dbeta = backward(dout, cache)
        return dx, dw, db + shift, dgamma, dbeta

    candidate.objects = (forward, shifted)
    spec = _spec("Conv_BatchNorm_ReLU")
    values = {k: np.array(v) for k, v in _CONV_BN.items()}
    values |= {"conv_param": {"stride": 2, "pad": 1}, "bn_param": {"mode": "train", "eps": 1e-05, "momentum": 0.9}}
    with IN_PROCESS.session(spec, candidate, 10.0, found.roots) as adapter:
        outcome = Battery(spec, adapter).examine(Example(sizes=_CONV_BN_SIZES, values=values, dout_seed=49))
    return Status.PASS if outcome.failure is None else outcome.failure.status


def test_a_gradient_zero_by_structure_is_judged_against_the_terms_it_sums() -> None:
    assert _conv_bn(0.0) is Status.PASS
    assert _conv_bn(1e-9) is Status.FAIL  # a millionth of a millionth of the gradients: still caught


def affine_forward(x, w, b):  # type: ignore[no-untyped-def]
    return x.reshape(x.shape[0], -1) @ w + b, (x, w)


def affine_backward_db_kept_2d(dout, cache):  # type: ignore[no-untyped-def]
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, np.sum(dout, axis=0, keepdims=True)


def test_a_gradient_with_an_extra_axis_of_size_one_says_keepdims() -> None:
    spec = _spec("affine")
    battery = Battery(spec, bind(spec, spec.convention, Guard(10.0), (affine_forward, affine_backward_db_kept_2d)))
    values = {"x": np.array([[1.0, -2.0], [0.5, 3.0]]), "w": np.array([[1.0, 2.0, 0.5], [-1.0, 0.25, 2.0]]), "b": np.array([0.1, 0.2, 0.3])}
    outcome = battery.examine(Example(sizes={"N": 2, "rest": [2], "M": 3, "D": 2}, values=values, dout_seed=7))
    assert outcome.failure is not None and outcome.failure.status is Status.FAIL
    assert "db has shape (1, 3), expected (3,) (the same entries with an extra axis of size 1: a sum with keepdims=True?" in outcome.failure.message


def affine_forward_reshapes_x(x, w, b):  # type: ignore[no-untyped-def]
    x.shape = (x.shape[0], -1)  # the caller's array, reshaped in place
    return x @ w + b, (x, w)


def affine_backward_flat(dout, cache):  # type: ignore[no-untyped-def]
    x, w = cache
    return dout @ w.T, x.T @ dout, np.sum(dout, axis=0)


def test_an_argument_reshaped_in_place_is_a_mutation_whatever_its_new_shape() -> None:
    """(2, 3, 2) flattened to (2, 6) cannot be compared entry by entry with what was passed: the
    verdict says the shape changed (once this crashed the check: the shapes do not broadcast)."""
    spec = _spec("affine")
    battery = Battery(spec, bind(spec, spec.convention, Guard(10.0), (affine_forward_reshapes_x, affine_backward_flat)))
    rng = np.random.default_rng(3)
    values = {"x": rng.standard_normal((2, 3, 2)), "w": rng.standard_normal((6, 2)), "b": rng.standard_normal(2)}
    outcome = battery.examine(Example(sizes={"N": 2, "rest": [3, 2], "M": 2, "D": 6}, values=values, dout_seed=7))
    assert outcome.failure is not None and outcome.failure.status is Status.FAIL
    assert "forward changed its argument x in place (its shape (2, 3, 2) became (2, 6))" in outcome.failure.message


def softmax_loss_logsumexp(x, y):  # type: ignore[no-untyped-def]
    m = np.max(x, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
    dx = np.exp(x - lse)
    dx[np.arange(x.shape[0]), y] -= 1.0
    return np.mean(lse[:, 0] - x[np.arange(x.shape[0]), y]), dx / x.shape[0]


def softmax_loss_plus_1e_9(x, y):  # type: ignore[no-untyped-def]
    loss, dx = softmax_loss_logsumexp(x, y)
    return loss + 1e-9, dx


def test_a_loss_left_where_large_terms_cancel_is_compared_at_their_rounding() -> None:
    """Logits -156.28 and -131.71 (label 1) give a loss of 2.14e-11, computed as lse - x[y]: a correct
    log-sum-exp is off by 7e-15 there (the rounding of -131.71), 3e-4 relative. Found by CI's seed 1003."""
    spec = _spec("softmax_loss")
    x, y = np.array([[-156.28057290770093, -131.713702658506]]), np.array([1])
    example = Example(sizes={"N": 1, "C": 2}, values={"x": x, "y": y}, dout_seed=7)
    correct = Battery(spec, bind(spec, spec.convention, Guard(10.0), (softmax_loss_logsumexp,))).examine(example)
    assert correct.failure is None, correct.failure.message
    wrong = Battery(spec, bind(spec, spec.convention, Guard(10.0), (softmax_loss_plus_1e_9,))).examine(example)
    assert wrong.failure is not None and "forward differs from the torch reference" in wrong.failure.message


# A relu whose backward doubles dx on three entries or more and raises on exactly two: the search
# meets the wrong gradient first, and shrinking ends on the smaller example that raises.
_WRONG_THEN_RAISES = '''
import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    x = cache
    if x.size == 2:
        raise ValueError("two entries")
    dx = dout * (x > 0)
    return dx * 2 if x.size > 2 else dx
'''


def test_a_check_that_failed_stays_failed_when_the_search_ends_on_another_failure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gradgate.checks.engine import run
    from gradgate.checks.tolerances import FAIL_ABOVE

    path = tmp_path / "layers.py"
    path.write_text(_WRONG_THEN_RAISES)
    seen_both = 0
    for seed in range(3):
        (result,) = run(path, examples=100, seed=seed, registry=[s for s in REGISTRY if s.name == "relu"]).results
        assert result.status is Status.ERROR, result.message
        for check in result.checks:  # an error past its check's limit is never shown as a pass
            if check.max_rel_error is not None and check.max_rel_error > FAIL_ABOVE[check.check]:
                assert check.status is Status.FAIL, (seed, check)
        seen_both += any(c.status is Status.FAIL for c in result.checks)
    assert seen_both, "no seed met the wrong gradient before the error: the case proves nothing"


def test_a_wrong_result_on_sizes_the_course_lets_students_assume_away_is_an_advisory_not_the_verdict() -> None:
    """Max pool's docstring: "you can assume (H - pool_height) % stride == 0". An output size that
    rounds up is exact wherever that holds; where it does not, its different shape is said beside
    a pass, never made the verdict."""
    from gradgate.checks.engine import run
    from gradgate.checks.results import AdvisoryKind

    from .conftest import CORRECT

    (result,) = run(CORRECT / "max_pool__partial_windows_outside_the_assumption.py", examples=100, seed=0,
                    registry=[s for s in REGISTRY if s.name == "max_pool"]).results  # fmt: skip
    assert result.status is Status.PASS, result.message
    (advisory,) = [a for a in result.advisories if a.kind is AdvisoryKind.ASSUMED_AWAY]
    assert advisory.message.startswith("on sizes the course's docstring lets you assume never come (") and "not part of the verdict" in advisory.message
