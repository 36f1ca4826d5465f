"""Naming the mistake behind a failure, by computation, or saying nothing.

Each finding holds on every failing example where it can be tested, or it is not reported:
- sign / scale: the student's gradient is a constant multiple of the expected one on every entry
  of every failing example (the factor recognised as -1, 2, 1/2, or a size: N, 1/N, D, T, ...);
- transpose: it equals the expected gradient transposed (a square example let it run);
- upstream ignored: the backward gives the same gradient when dout is scaled;
- missing term / forward wrong: it equals what one of the gate's declared mistakes computes
  (a forward with a path detached, a known wrong forward), or the forward is wrong while the
  backward agrees with finite differences of that same forward;
- only when / lost accumulation: every failing example has a condition (a size condition, or one
  the gate declares: overlapping windows, repeated words), and a search of examples without it,
  driven here, finds none that fails.
"""

from __future__ import annotations

import contextvars
import itertools
import zlib
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from gradgate.gates.spec import Array, FindingKind, GateSpec, Mistake
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import HypothesisException

from .battery import Battery, Outcome
from .conventions import Convention
from .examples import Example, condition_examples, shape_of
from .guard import StudentAbort, StudentError
from .numeric import rel_error
from .reference import Reference
from .results import Check, Finding, Status

EXACT = 1e-6  # a relation holds when it leaves at most this relative error
SEARCH = 24  # examples drawn without a condition to confirm the failures need it
MIN_EXAMPLES = 3  # failing examples (with the condition) needed before naming one
SEARCHES = 5  # conditions confirmed by a search, at most, per failure
MIN_SEARCHED = 8  # informative passing examples without a size condition needed to name it
MAX_DIMENSION = 16  # a whole-number size above this is a seed, not a dimension
UPSTREAM = 2.5  # dout is scaled by this to see whether the backward uses it
# Examples a diagnosis may draw (generated, whether or not they meet a condition): past them, only
# what was established counts. Counted, not timed, so a diagnosis is the same on a busy machine.
DRAWS = 2000
SQUARE_DRAWS = 200  # of them, for square operands (rare in some gates: the LSTM's Wx is (D, 4H))


class _OutOfDraws(Exception):
    """The diagnosis's budget for drawing examples is spent."""


@dataclass
class _Session:
    """One diagnosis: when drawing more examples stops, and what was drawn (the square operands a
    transpose search needs are the same for every gradient)."""

    draws: int = 0
    square_draws: int = 0
    drawn: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)


_SESSION: contextvars.ContextVar[_Session | None] = contextvars.ContextVar("diagnosis_session", default=None)


def _relation(pairs: Sequence[tuple[np.ndarray, np.ndarray, Mapping[str, Any]]]) -> tuple[float, list[float]] | None:
    """(c, per-example factors) when the student's gradient is factor * expected on every entry of
    every example, else None. Needs a few nonzero entries in all: one number fits any factor."""
    factors = []
    entries = 0
    for analytic, expected, _ in pairs:
        norm = float(np.sum(expected * expected))
        if norm == 0 or analytic.shape != expected.shape:
            return None
        r = float(np.sum(analytic * expected)) / norm
        if rel_error(analytic, r * expected) > EXACT:
            return None
        factors.append(r)
        entries += int(np.count_nonzero(expected))
    if entries < 3 or not factors:
        return None
    return factors[0], factors


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= EXACT * max(abs(a), abs(b), 1e-300)


def _factor(factors: list[float], sizes: list[Mapping[str, Any]]) -> tuple[str, str] | None:
    """(detail, plain words) for a factor that holds on every example, else None."""
    if all(_same(f, -1.0) for f in factors):
        return "factor -1", "the opposite sign of"
    if all(_same(f, 1.0) for f in factors):
        return None
    if len(factors) < 2:
        return None  # one example: a constant factor and an input's value look alike
    names = [k for k, v in sizes[0].items() if isinstance(v, int) and not isinstance(v, bool) and v > 1]
    for name in names:
        values = [s.get(name) for s in sizes]
        if len(set(values)) > 1:  # a size is named only where it varied
            if all(isinstance(v, int) and _same(f, float(v)) for f, v in zip(factors, values, strict=True)):
                return f"factor {name}", f"exactly {name} times ({name} = {values[0]} on the minimal example)"
            if all(isinstance(v, int) and _same(f, 1.0 / v) for f, v in zip(factors, values, strict=True)):
                return f"factor 1/{name}", f"exactly 1/{name} of ({name} = {values[0]} on the minimal example)"
    # a constant named only when it is one a derivation gets wrong; any other constant on a few
    # examples may be an input's value (the other factor of a product), not a scale
    words = {2.0: "2", 0.5: "1/2", -2.0: "-2", -0.5: "-1/2"}
    for value, text in words.items():
        if all(_same(f, value) for f in factors):
            return f"factor {text}", f"exactly {text} times"
    return None


SCALE_WHY = {
    "factor 2": "a factor 2 is extra: reg·ΣW² has the gradient 2·reg·W, 0.5·reg·ΣW² has reg·W — the loss and the gradient must use the same one",
    "factor 1/2": "a factor 1/2 is missing: reg·ΣW² has the gradient 2·reg·W, not reg·W — the loss and the gradient must use the same one",
}


def _scale_message(k: str, detail: str, words: str) -> str:
    name = detail.removeprefix("factor ")
    if detail == "factor -1":
        return f"your {k} has {words} the expected one on every entry: a minus sign is missing or extra (a subtraction's or -log's local gradient)"
    if name.startswith("1/") and name[2:].isalpha():
        return (f"your {k} is {words} the expected one: divided by {name[2:]} twice — the average over {name[2:]} "
                f"is taken once, in the loss's upstream gradient")  # fmt: skip
    if name.isalpha():
        return (f"your {k} is {words} the expected one: the loss averages over {name}, so its gradient needs the same "
                f"/ {name} (or it was summed where the forward takes a mean)")  # fmt: skip
    why = SCALE_WHY.get(detail, "a constant factor is off: compare every scale in your forward with your backward")
    return f"your {k} is {words} the expected one: {why}"


def _pairs(failures: Sequence[tuple[Example, Outcome]], key: str) -> list[tuple[np.ndarray, np.ndarray, Mapping[str, Any]]]:
    """(student's, expected, sizes) of gradient `key` on every failing example that pictured it."""
    out = []
    for example, outcome in failures:
        picture = outcome.pictures.get(key)
        if picture is not None and not np.isnan(np.asarray(picture.expected, dtype=float)).any():
            out.append((np.asarray(picture.analytic, float), np.asarray(picture.expected, float), example.sizes))
    return out


# Off by at most this fraction of the gradient's largest entry: float32's rounding (6e-8 an operation),
# far above float64's, far below any wrong formula's.
FLOAT32_ROUNDING = 1e-6


def _precision(failures: Sequence[tuple[Example, Outcome]], keys: Sequence[str]) -> list[Finding]:
    """Every failing gradient off only at float32's rounding of its largest entry (a `1. / N *
    torch.ones((N, D))` in float32: a near-zero entry made by cancellation shows it)."""
    findings = []
    for key in keys:
        pairs = _pairs(failures, key)
        worst = [float(np.max(np.abs(a - e)) / np.max(np.abs(e))) for a, e, _ in pairs if a.shape == e.shape and np.max(np.abs(e)) > 0]
        top = max(worst, default=0.0)
        if not pairs or len(worst) < len(pairs) or not 0 < top <= FLOAT32_ROUNDING:
            return []
        message = (f"your {key} is off only by rounding, at most {top:.1g} of its largest entry: float32's, not a wrong "
                   f"formula's — a tensor or array made without a dtype (torch.ones((N, D)), np.float32) computes in float32; "
                   f"give it the input's (dtype=x.dtype)")  # fmt: skip
        evidence = f"max |{key} - expected| / max |expected| <= {top:.2g} on {len(pairs)} failing example(s)"
        findings.append(Finding(FindingKind.PRECISION, key, "float32 rounding", message, evidence))
    return findings


def _gradient_findings(failures: Sequence[tuple[Example, Outcome]], key: str) -> list[Finding]:
    pairs = _pairs(failures, key)
    if not pairs:
        return []
    relation = _relation(pairs)
    if relation is not None:
        named = _factor(relation[1], [p[2] for p in pairs])
        if named is not None:
            detail, words = named
            kind = FindingKind.SIGN if detail == "factor -1" else FindingKind.SCALE
            evidence = f"{key} / expected = {relation[0]:.6g} on every entry of {len(pairs)} failing example(s)"
            return [Finding(kind, key, detail, _scale_message(key, detail, words), evidence)]
    transposed = [
        (a, e) for a, e, _ in pairs if a.ndim == 2 and a.shape == e.T.shape and rel_error(e, e.T) > EXACT
    ]
    if transposed and len(transposed) == len(pairs) and all(rel_error(a, e.T) <= EXACT for a, e in transposed):
        message = (f"your {key} is the expected one transposed: it ran only because the example was square — "
                   f"match the shapes (the gradient of W in x @ W is x.T @ dout, of shape W.shape)")  # fmt: skip
        return [Finding(FindingKind.TRANSPOSE, key, "transposed", message, f"{key} == expected.T on {len(pairs)} failing example(s)")]
    return []


def _square(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] == value.shape[1] > 1 and rel_error(value, value.T) > EXACT


def _square_shape(shape: tuple[int, ...]) -> bool:
    """Whether an operand of this shape can be square in `_square`'s sense (drawn before its values)."""
    return len(shape) == 2 and shape[0] == shape[1] > 1


def _transposed_operand(spec: GateSpec, battery: Battery, failures: Sequence[tuple[Example, Outcome]], key: str) -> list[Finding]:
    """The backward used a square matrix M where M.T belongs (dx = dout @ W for dout @ W.T): every
    failing example with M square passes once M is made symmetric (M = M.T), where the two agree.
    Where the failures are crashes on non-square shapes, square examples are drawn first."""
    operands = [k for k, v in failures[0][0].values.items() if isinstance(v, np.ndarray) and v.ndim == 2 and v.dtype.kind == "f"]
    seed = zlib.crc32(f"transpose:{spec.name}".encode())
    for operand in operands:
        square = [(e, o) for e, o in failures if _square(e.values.get(operand)) and o.failure is not None
                  and o.failure.status is Status.FAIL]  # fmt: skip
        if len(square) < 2:
            inp = spec.inputs.get(operand)
            shaped = (lambda s, shape=inp.shape: _square_shape(shape_of(shape, s))) if isinstance(inp, Array) else None
            drawn = _sample(spec, battery, lambda s, v, k=operand: _square(v.get(k)), seed, memo=("square", operand), square=True, sizes=shaped)
            square += [(e, o) for e, o in drawn if o is not None and o.failure is not None and o.failure.status is Status.FAIL]
        if len(square) < 2:
            continue
        if not key:  # found on a crash: the gradient that is wrong where it runs
            key = next((m.input for m in square[0][1].measurements if m.status is Status.FAIL and m.input), "the gradient")
        symmetric = 0
        for example, _ in square[:SEARCH]:
            m = example.values[operand]
            outcome = _examine(battery, Example(example.sizes, {**example.values, operand: (m + m.T) / 2}, example.dout_seed))
            if outcome is None or outcome.failure is not None:
                break
            symmetric += 1
        else:
            message = (f"your {key} uses {operand} where {operand}.T belongs: it runs only when {operand} is square, and "
                       f"is right only when {operand} is symmetric — match the shapes (in x @ W the gradient of x is dout @ W.T)")  # fmt: skip
            return [Finding(FindingKind.TRANSPOSE, key, f"{operand} for {operand}.T", message,
                            f"{symmetric} failing examples with {operand} square all pass with {operand} made symmetric")]  # fmt: skip
    return []


def _examine(battery: Battery, example: Example) -> Outcome | None:
    try:
        return battery.examine(example)
    except StudentAbort:
        return None


def _upstream_ignored(battery: Battery, example: Example, outcome: Outcome, keys: Sequence[str]) -> list[Finding]:
    """The same gradient for dout and 2.5 dout, where the expected one changes."""
    if outcome.dout is None or battery.spec.convention not in (Convention.LAYER_PAIR, Convention.GATE_CLASS):
        return []  # losses and models get dout from gradgate's adapter, which scales for them
    diff = [k for k in battery.diff if k in example.values]
    try:
        grads = []
        for scale in (1.0, UPSTREAM):
            _, state = battery.adapter.forward(example.fresh(), example.sizes)
            grads.append(battery.adapter.backward(outcome.dout * scale, state))
    except (StudentError, StudentAbort):
        return []
    found = []
    for k, g1, g2 in zip(diff, *grads, strict=False):
        key = f"d{k}"
        if key not in keys:
            continue
        g1, g2 = np.asarray(g1, float), np.asarray(g2, float)
        if g1.shape == g2.shape and np.any(g1) and rel_error(g1, g2) <= 1e-12:
            message = f"your {key} stays the same when dout is scaled: the backward ignores the upstream gradient — multiply the local gradient by dout (chain rule)"
            found.append(Finding(FindingKind.UPSTREAM_IGNORED, key, "dout unused", message, f"{key} unchanged with dout x {UPSTREAM}"))
    return found


def _mistakes(spec: GateSpec, failures: Sequence[tuple[Example, Outcome]], keys: Sequence[str], forward: bool) -> list[Finding]:
    """The declared mistakes that reproduce the student's values on every failing example."""
    found = []
    for mistake in (m for m in spec.diagnoses.mistakes if (m.kind is FindingKind.FORWARD_WRONG) == forward):
        if _reproduces(spec, mistake, failures, keys, forward):
            where = "out" if forward else ", ".join(keys)
            found.append(Finding(mistake.kind, where, mistake.detail, mistake.message, f"the values of '{mistake.detail}' on every failing example"))
    return found


def _reproduces(spec: GateSpec, mistake: Mistake, failures: Sequence[tuple[Example, Outcome]], keys: Sequence[str], forward: bool) -> bool:
    tested = 0
    for example, outcome in failures:
        pictures = {k: outcome.pictures[k] for k in (["out"] if forward else keys) if k in outcome.pictures}
        if not pictures or (not forward and outcome.dout is None):
            continue
        try:
            ref = Reference(spec, example.values, example.sizes, mistake.reference)
            values = {"out": ref.out} if forward else {
                f"d{k}": g for k, g in zip([k for k in spec.differentiable if k in example.values], ref.vjp(outcome.dout), strict=True)
            }  # fmt: skip
        except Exception:  # noqa: BLE001 - a declared mistake that does not apply to this example
            return False
        for key, picture in pictures.items():
            mine = values.get(key)
            if mine is None or np.shape(mine) != np.shape(picture.analytic) or rel_error(np.asarray(picture.analytic, float), mine) > EXACT:
                return False
        tested += 1
    return tested > 0


def _self_consistent(failures: Sequence[tuple[Example, Outcome]]) -> Finding | None:
    """A wrong forward whose backward matches finite differences of itself: the bug is in the
    forward. Every failure is the forward's; where finite differences could be taken (not on a
    kink) they agree, on a few examples at least, and disagree on none."""
    if any(o.failure is None or o.failure.check is not Check.FORWARD for _, o in failures):
        return None
    fd = [m for _, o in failures for m in o.measurements if m.check is Check.BACKWARD_FD and m.error is not None]
    if len(fd) < MIN_EXAMPLES or any(m.status is not Status.PASS for m in fd):
        return None
    message = ("your forward differs from the reference, while your backward agrees with finite differences of "
               "your own forward: the bug is in the forward, where a gradient check alone cannot see it")  # fmt: skip
    return Finding(FindingKind.FORWARD_WRONG, "out", "forward only", message,
                   f"forward wrong and backward consistent with it on {len(fd)} failing example(s)")  # fmt: skip


Predicate = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]


def _conditions(spec: GateSpec, sizes: Mapping[str, Any], declared_only: bool) -> list[tuple[str, Predicate, FindingKind]]:
    """The gate's declared conditions first, then size conditions: s = 1, s > 1, s = 0, s != t
    (sizes that are dimensions: small whole numbers, not seeds)."""
    out: list[tuple[str, Predicate, FindingKind]] = [(n, c.holds, c.kind) for n, c in spec.diagnoses.conditions.items()]
    if declared_only:
        return out
    ints = [k for k, v in sizes.items() if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_DIMENSION]
    for k in ints:
        out.append((f"{k} = 1", lambda s, v, k=k: s[k] == 1, FindingKind.ONLY_WHEN))
        out.append((f"{k} > 1", lambda s, v, k=k: s[k] > 1, FindingKind.ONLY_WHEN))
        out.append((f"{k} = 0", lambda s, v, k=k: s[k] == 0, FindingKind.ONLY_WHEN))
    # H != W and non-square matrices: the last two dimensions of an input's shape
    pairs = {tuple(inp.shape[-2:]) for inp in spec.inputs.values() if isinstance(inp, Array) and len(inp.shape) >= 2}
    for a, b in sorted(p for p in pairs if all(isinstance(d, str) and d in ints for d in p) and p[0] != p[1]):
        out.append((f"{a} != {b}", lambda s, v, a=a, b=b: s[a] != s[b], FindingKind.ONLY_WHEN))
    return out


def _holds(predicate: Predicate, example: Example) -> bool:
    try:
        return bool(predicate(example.sizes, example.values))
    except (KeyError, TypeError, ValueError, IndexError):
        return False


def _sample(spec: GateSpec, battery: Battery, predicate: Predicate | None, seed: int, memo: tuple[Any, ...] | None = None,
            square: bool = False, sizes: Callable[[Mapping[str, Any]], bool] | None = None) -> list[tuple[Example, Outcome | None]]:  # fmt: skip
    """SEARCH examples (where `predicate` holds, if given) and their outcomes (None: the student's
    code hung or crashed on it), drawn by hypothesis from the spec as the fuzzing does, within the
    diagnosis's DRAWS (and SQUARE_DRAWS for a `square` search); the same `memo` draws once."""
    session = _SESSION.get() or _Session()
    if memo is not None and memo in session.drawn:
        return session.drawn[memo]
    seen: list[tuple[Example, Outcome | None]] = []

    def on_time() -> None:
        session.draws += 1
        session.square_draws += square
        if session.draws > DRAWS or session.square_draws > SQUARE_DRAWS:
            raise _OutOfDraws

    def body(example: Example) -> None:
        try:
            seen.append((example, battery.examine(example)))
        except StudentAbort:
            seen.append((example, None))

    def wanted(sizes: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
        on_time()  # a rare condition is drawn for long: the budget ends it too
        return predicate is None or predicate(sizes, values)

    strategy = condition_examples(spec, wanted, sizes)
    test = settings(max_examples=SEARCH, database=None, deadline=None, phases=(Phase.generate,), verbosity=Verbosity.quiet,
                    suppress_health_check=list(HealthCheck), print_blob=False)(given(strategy)(body))  # fmt: skip
    try:
        hypothesis_seed(seed)(test)()
    except (HypothesisException, _OutOfDraws):
        pass  # a condition too hard to draw, or no time left: what was seen still counts
    if memo is not None:
        session.drawn[memo] = seen
    return seen


def _fails_without(spec: GateSpec, battery: Battery, predicate: Predicate, seed: int, keys: Sequence[str]) -> tuple[int, bool]:
    """(examples that had something to get wrong, whether any failed) among examples drawn without
    the condition. An example counts only where the expected values of `keys` are not all zero:
    batchnorm of one sample passes any backward, and says nothing about N."""
    sample = _sample(spec, battery, lambda s, v: not predicate(s, v), seed)
    if any(o is None or o.failure is not None for _, o in sample):
        return len(sample), True
    return sum(_informative(spec, battery, e, o, keys) for e, o in sample if o is not None), False


def _informative(spec: GateSpec, battery: Battery, example: Example, outcome: Outcome, keys: Sequence[str]) -> bool:
    refs = spec.references
    if not refs:
        return True
    ref = Reference(spec, example.values, example.sizes, refs[battery.variant] if battery.variant in refs else None)
    if keys == ["out"]:
        return bool(np.any(ref.out))
    if outcome.dout is None:
        return False
    names = [f"d{k}" for k in spec.differentiable if k in example.values]
    grads = dict(zip(names, ref.vjp(outcome.dout), strict=True))
    return all(np.max(np.abs(grads[k]), initial=0.0) > 1e-9 for k in keys if k in grads)


def _distinct(failures: Sequence[tuple[Example, Outcome]]) -> list[tuple[Example, Outcome]]:
    """One per distinct example: shrinking meets the same example many times."""
    seen, out = set(), []
    for example, outcome in failures:
        key = repr(sorted((k, np.asarray(v).tobytes() if isinstance(v, np.ndarray) else repr(v)) for k, v in example.values.items()))
        if key not in seen:
            seen.add(key)
            out.append((example, outcome))
    return out


def _only_when(
    spec: GateSpec, battery: Battery, failures: Sequence[tuple[Example, Outcome]], passes: Sequence[Example],
    keys: Sequence[str], declared_only: bool = False,
) -> list[Finding]:  # fmt: skip
    if len(failures) < MIN_EXAMPLES:
        return []
    failing = [e for e, _ in failures]
    seed = zlib.crc32(spec.name.encode())
    # Cheap evidence first: every failure has the condition, and some examples without it passed;
    # then a search of examples without it, for the conditions that separate best first (declared
    # ones before size conditions, then the fewest passing examples with it: passing examples with
    # it are no evidence against — overlapping windows without a shared maximum lose nothing).
    candidates = []
    for order, (name, predicate, kind) in enumerate(_conditions(spec, failing[0].sizes, declared_only)):
        if not all(_holds(predicate, e) for e in failing):
            continue
        with_it = sum(_holds(predicate, e) for e in passes)
        if len(passes) - with_it >= MIN_EXAMPLES:
            candidates.append((name in spec.diagnoses.conditions, -with_it, -order, name, predicate, kind))
    candidates.sort(reverse=True)
    for *_, name, predicate, kind in candidates[:SEARCHES]:
        checked, failed = _fails_without(spec, battery, predicate, seed, keys)
        if failed or checked < (MIN_EXAMPLES if name in spec.diagnoses.conditions else MIN_SEARCHED):
            continue
        key = ", ".join(keys)
        evidence = f"all {len(failing)} failing examples have {name}; {checked} drawn without it all pass"
        said = (f"{key} is right except when {name}: it fails on every example with {name}, and {checked} examples without it pass"
                if key else f"your code breaks only when {name}: every failing example has {name}, and {checked} examples without it pass "
                "(a squeeze, a reshape or an index that assumes otherwise?)")  # fmt: skip
        found = [Finding(FindingKind.ONLY_WHEN, keys[0] if keys else None, f"condition {name}", said, evidence)]
        if kind is FindingKind.LOST_ACCUMULATION:
            found.append(Finding(kind, keys[0] if keys else None, f"condition {name}",
                                 f"{key} loses contributions where {name}: several outputs send gradient to the same entry, "
                                 "and gradients add at branches — use += where the backward writes with =", evidence))  # fmt: skip
        return found
    return []


def first_wrong(spec: GateSpec, keys: Sequence[str]) -> str:
    """For a model: the wrong gradient met first going backward (the last parameter in forward
    order), with its layer where the parameter names number them ('dW2, layer 2')."""
    order = [f"d{k}" for k in spec.differentiable]
    wrong = [k for k in order if k in keys]
    if not wrong:
        return ""
    last = wrong[-1]
    digits = "".join(itertools.takewhile(str.isdigit, reversed(last)))[::-1]
    return f"{last}, layer {digits}" if digits else last


def diagnose(
    spec: GateSpec, battery: Battery, failures: Sequence[tuple[Example, Outcome]], passes: Sequence[Example]
) -> list[Finding]:
    """The findings that hold for this failure (the minimal example first in `failures`), or []."""
    if not failures:
        return []
    token = _SESSION.set(_Session())
    try:
        return _diagnose(spec, battery, failures, passes)
    finally:
        _SESSION.reset(token)


def _diagnose(
    spec: GateSpec, battery: Battery, failures: Sequence[tuple[Example, Outcome]], passes: Sequence[Example]
) -> list[Finding]:
    minimal = failures[0][1].failure
    if minimal is None:
        return []
    failures = _distinct(failures)
    if len(failures) < MIN_EXAMPLES or len(passes) < MIN_EXAMPLES:  # shrinking met few examples: draw more
        more = _sample(spec, battery, None, zlib.crc32(f"more:{spec.name}".encode()))
        failures = _distinct([*failures, *((e, o) for e, o in more if o is not None and o.failure is not None)])
        passes = [*passes, *(e for e, o in more if o is not None and o.failure is None)]
    if minimal.status is Status.ERROR:
        # a crash: a transpose shows on the square examples where the code ran; a crash only
        # under a condition (N = 1) shows as that condition
        found = _transposed_operand(spec, battery, failures, "")
        return found or _only_when(spec, battery, failures, passes, [])
    if minimal.check is Check.FORWARD:
        findings = _mistakes(spec, failures, ["out"], forward=True)
        if not findings:
            generic = _self_consistent(failures)
            findings = [generic] if generic else []
        return findings + _only_when(spec, battery, failures, passes, ["out"])
    if minimal.check not in (Check.BACKWARD_TORCH, Check.BACKWARD_FD, Check.CONTRACT):
        return []
    keys = sorted({m.input for _, o in failures for m in o.measurements
                   if m.check is Check.BACKWARD_TORCH and m.status is Status.FAIL and m.input})  # fmt: skip
    if not keys:  # a gradient of the wrong shape: its values show on examples where the shapes agree
        shaped = sorted({m.input for _, o in failures for m in o.measurements if m.check is Check.CONTRACT and m.input})
        for key in shaped:
            drawn = _sample(spec, battery, lambda s, v, k=key[1:]: _square(v.get(k)), zlib.crc32(f"shape:{key}".encode()))
            failures = _distinct([*failures, *((e, o) for e, o in drawn if o is not None and o.failure is not None)])
        keys = [k for k in shaped if _pairs(failures, k)]
    rounded = _precision(failures, keys)
    if rounded:  # no formula is wrong: structural findings would only read meaning into rounding
        return rounded
    # a declared mistake that reproduces every failing gradient names more than a generic finding
    findings: list[Finding] = _mistakes(spec, failures, keys, forward=False)
    for key in keys if not findings else ():
        findings.extend(_gradient_findings(failures, key) or _transposed_operand(spec, battery, failures, key))
    if not findings:
        findings.extend(_upstream_ignored(battery, *failures[0], keys))
    # a size condition adds nothing to a factor that names the size; a declared one (overlapping
    # windows) still says where contributions are lost
    return findings + _only_when(spec, battery, failures, passes, keys or [minimal.input or ""], declared_only=bool(findings))


__all__ = ["diagnose", "first_wrong"]
