"""Which registry entries apply to a candidate discovery found, and what is listed as not checked
with the reason: by name and convention, then by the parameters its forward or constructor takes,
then by whether the course's inputs can call it at all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gradgate.gates import REGISTRY
from gradgate.gates.spec import GateSpec

from .configurations import labels
from .conventions import Convention
from .discover import Candidate, Found, parameters
from .foreign import TORCH_REASON
from .results import Unchecked
from .scalar_engine import split as split_engine


def _accepts(candidate: Candidate, names: Sequence[str]) -> bool:
    """Whether the student's forward function (or class constructor) takes these parameters."""
    if not names:
        return True
    params = candidate.parameters if candidate.parameters is not None else parameters(candidate.objects[0])
    if params is None:
        return True  # nothing to read (a remote object): the first entry of the name applies
    return "**" in params or all(n in params for n in names)


def match(candidate: Candidate, registry: Iterable[GateSpec] = REGISTRY) -> tuple[GateSpec, ...] | str:
    """The registry entries that apply to a candidate, or why none does. Entries may share a name:
    those whose `signature` the candidate's forward or constructor accepts apply (assignment 1's and
    assignment 2's TwoLayerNet differ there; DLS's linear_forward(A, W, b) is not the lecture's
    linear, which names no signature); several that remain are alternative conventions of one
    gate (groupnorm's gamma (1, C, 1, 1) or (C,)), checked in turn by `check_implementation`."""
    same = [s for s in registry if s.name == candidate.name and s.convention is candidate.convention]
    # torch code is checked only against entries of the tensor convention (UMich EECS 498), numpy
    # code only against the others: one name (svm_loss_naive) may be both courses'
    framework = [s for s in same if s.tensors == candidate.tensors]
    if not framework and candidate.torch_module:  # neutral code in a torch module: the torch entry's
        framework = [s for s in same if s.tensors]
    if candidate.tensors and not framework:
        return TORCH_REASON
    same = framework
    if not same:
        return f"no registry entry for {candidate.convention.value} {candidate.name!r}"
    fitting = tuple(spec for spec in same if _accepts(candidate, spec.signature))
    if not fitting:
        expected = " or ".join(f"({', '.join(s.signature)})" for s in same)
        return f"its parameters fit no registry entry named {candidate.name!r}: expected {expected}"
    # an entry whose parameters the candidate has is more specific than one that names none
    fitting = tuple(spec for spec in fitting if spec.signature) or fitting
    # a MyTorch class is judged by the course year its package's activations show (checks.stateful)
    fitting = tuple(s for s in fitting if s.stateful is None or s.stateful.era in (None, candidate.era)) or fitting
    callable_ = tuple(spec for spec in fitting if all(_callable_with(candidate, len(a)) for a in _own_calls(candidate, spec)))
    if callable_:
        return callable_
    # A helper of the student's own design under a course name (affine_relu_forward with an extra
    # `normalization`, DLS week 3's compute_cost(A2, Y, parameters)): the course's inputs cannot
    # call it, which says nothing about its maths.
    theirs = ", ".join(p for p in candidate.parameters or () if p != "**")
    name = candidate.label if "_forward" in candidate.label or candidate.convention is not Convention.LAYER_PAIR else f"{candidate.name}_forward"
    course = " or ".join(f"{name}({', '.join(a)})" for s in fitting for a in _own_calls(candidate, s)[:1])
    return f"not checked: its parameters ({theirs}) differ from the course's {course}"


def _own_calls(candidate: Candidate, spec: GateSpec) -> tuple[tuple[str, ...], ...]:
    """The arguments each call of the implementation itself is given: a plain function's own steps
    (compute_cost(AL, Y)), else the spec's inputs."""
    if spec.steps is None:
        return (tuple(spec.inputs),)
    calls = [*spec.steps.forward, *([spec.steps.backward] if spec.steps.backward else [])]
    return tuple(c.arguments for c in calls if c.function in ("", candidate.name)) or (tuple(spec.inputs),)


def implementations(candidate: Candidate, registry: Iterable[GateSpec] = REGISTRY) -> list[tuple[Candidate, tuple[GateSpec, ...] | str]]:
    """What a candidate is checked as: itself, with the entries `match` gives (or why none applies);
    a scalar engine's class, one implementation per entry of its convention, each its own verdict
    (Value.__mul__, Value.tanh, ...: checks.scalar_engine.split)."""
    if candidate.convention is not Convention.SCALAR_ENGINE:
        return [(candidate, match(candidate, registry))]
    specs = [s for s in registry if s.convention is Convention.SCALAR_ENGINE]
    return split_engine(candidate, specs) if specs else [(candidate, match(candidate, specs))]


def _callable_with(candidate: Candidate, count: int) -> bool:
    """Whether the student's function takes the spec's inputs as `count` positional arguments, as
    the layer-pair and loss adapters call it (unknown arity: assumed so)."""
    if candidate.arity is None:
        return True
    fewest, most = candidate.arity
    return fewest <= count and (most is None or count <= most)


def configurations(specs: Sequence[GateSpec]) -> tuple[str | None, ...]:
    """The configurations an implementation matched to `specs` is checked in, one result each
    (`FullyConnectedNet[dropout]`); (None,) for a gate checked as one."""
    return labels(specs)


def superseded(candidate: Candidate, candidates: Sequence[Candidate], registry: Iterable[GateSpec] = REGISTRY) -> bool:
    """A layer pair the registry does not know whose functions it names as plain functions (DLS's
    L_model_forward and L_model_backward, which look like a pair `L_model`): those are checked
    instead, and the pair is not listed as unknown."""
    registry = tuple(registry)
    if candidate.convention is not Convention.LAYER_PAIR or any(s.name == candidate.name and s.convention is candidate.convention for s in registry):
        return False
    plain = {s.name for s in registry if s.convention is Convention.FUNCTIONS}
    return any(c.convention is Convention.FUNCTIONS and c.source == candidate.source and c.objects[0] in candidate.objects and c.name in plain
               for c in candidates)  # fmt: skip


def judged(found: Found, registry: Iterable[GateSpec] = REGISTRY) -> tuple[list[tuple[Candidate, tuple[GateSpec, ...]]], list[Unchecked]]:
    """What of the candidates found is checked, with its registry entries, and everything listed as
    not checked with the reason: discovery's, less what the registry checks after all under that name
    in that file (EECS 498's nn_forward_backward), then the candidates no entry fits. A plain
    function the registry does not name is a helper, neither."""
    registry = tuple(registry)
    checked: list[tuple[Candidate, tuple[GateSpec, ...]]] = []
    unfit: list[Unchecked] = []
    for cand, specs in (pair for c in found.candidates for pair in implementations(c, registry)):
        named = any(s.name == cand.name and s.convention is cand.convention for s in registry)
        if isinstance(specs, str) and ((cand.convention is Convention.FUNCTIONS and not named) or superseded(cand, found.candidates, registry)):
            continue
        if isinstance(specs, str):
            unfit.append(Unchecked(cand.label, cand.source, specs))
        else:
            checked.append((cand, specs))
    ours = {(cand.label, cand.source) for cand, _ in checked}
    return checked, [*(u for u in found.incomplete if (u.name, u.source) not in ours), *unfit]
