"""Benchmark: gradgate's fuzzing against torch.autograd.gradcheck, on the built-in student code.

For every registry gate, in one run:
  - gradgate: seconds for check_implementation with N examples (default 100) at the spec's own size
    strategies, and student forward calls per example at those sizes and at CS231n notebook sizes;
  - torch.autograd.gradcheck, slow and fast mode, on the same student forward/backward wrapped in a
    torch.autograd.Function, float64, at the CS231n notebook sizes: seconds, forward calls, verdict.

Forward calls are counted by one wrapper around the student's forward (the forward function of a
layer pair, a gate class's `forward`, the loss function, a model's `loss`), the same for both tools.

    /work/venv/bin/python benchmarks/bench.py [--examples N] [--gates a,b] [--out FILE] [--repeat R]

The last line, `corpus ratio R`, is gradgate's seconds over slow gradcheck's for all the gates
measured together (issue 14's bar: R <= 0.5 at 100 examples).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from gradgate.checks.adapters import grads_tuple
from gradgate.checks.discover import Candidate, discover
from gradgate.checks.engine import DEFAULT_EXAMPLES, Options, check_implementation
from gradgate.checks.matching import configurations, match
from gradgate.checks.examples import build_array, shape_of
from gradgate.gates import REGISTRY
from gradgate.gates.spec import Array, Convention, GateSpec, Labels
from hypothesis import strategies as st

STUDENT = Path(__file__).resolve().parent.parent / "gates" / "student"

_SMALL = {"N": 4, "D": 5}
_MATRIX = {"M": 3, "D": 4}
# The sizes the CS231n notebooks check gradients at (lecture gates: small vectors and matrices).
# Each entry pins every size name of the spec; derived sizes (affine D, conv H/W, ...) follow.
CS231N: dict[str, dict[str, Any]] = {
    "AddGate": _SMALL,
    "MultiplyGate": _SMALL,
    "MaxGate": _SMALL,
    "SigmoidGate": _SMALL,
    "circuit": _SMALL,
    "sigmoid_neuron": {"D": 2},  # w (3,), x (2,)
    "fanout": _SMALL,
    "l2_wx": _MATRIX,  # W (3, 4), x (4,)
    "linear": _MATRIX,
    "affine": {"N": 10, "rest": [2, 3], "M": 5},  # x (10, 2, 3), w (6, 5), b (5,)
    "relu": {"N": 10, "D": 10},
    "sigmoid": {"N": 10, "D": 10},
    "batchnorm": {"N": 4, "D": 5, "mode": "train"},
    "dropout (p = keep probability)": {"N": 10, "D": 10, "p": 0.5, "mode": "train", "seed": 123},
    "dropout (p = drop probability (2016-17))": {"N": 10, "D": 10, "p": 0.5, "mode": "train", "seed": 123},
    # x (4, 3, 5, 5), w (2, 3, 3, 3), stride 2, pad 1: a 3x3 output
    "conv": {"N": 4, "C": 3, "F": 2, "HH": 3, "WW": 3, "Ho": 3, "Wo": 3, "stride": 2, "pad": 1},
    # x (3, 2, 8, 8), 2x2 pool, stride 2: a 4x4 output
    "max_pool": {"N": 3, "C": 2, "PH": 2, "PW": 2, "Ho": 4, "Wo": 4, "stride": 2, "leftover": 0},
    "svm_loss": {"N": 50, "C": 10},
    "softmax_loss": {"N": 50, "C": 10},
    "TwoLayerNet (input_dim, hidden_dim, num_classes)": {"N": 3, "D": 5, "H": 10, "C": 7, "reg": 0.1},
    # assignment 2
    "layernorm": {"N": 4, "D": 5},
    "spatial_batchnorm": {"N": 2, "C": 3, "H": 4, "W": 5, "mode": "train"},
    # x (2, 6, 4, 5)
    "spatial_groupnorm (gamma, beta (1, C, 1, 1))": {"N": 2, "G": 2, "per_group": 3, "H": 4, "W": 5},
    "spatial_groupnorm (gamma, beta (C,))": {"N": 2, "G": 2, "per_group": 3, "H": 4, "W": 5},
    "affine_relu": {"N": 2, "rest": [3, 4], "M": 10},  # x (2, 3, 4), w (12, 10)
    "affine_bn_relu": {"N": 4, "D": 5, "M": 3, "mode": "train"},
    "conv_relu": {"N": 2, "C": 3, "F": 3, "HH": 3, "WW": 3, "Ho": 8, "Wo": 8, "stride": 1, "pad": 1},  # x (2, 3, 8, 8)
    # x (2, 3, 8, 8), w (3, 3, 3, 3), 2x2 pool stride 2 (the notebook's 16x16 image halved: naive conv
    # under slow-mode gradcheck at 16x16 takes minutes)
    "conv_relu_pool": {"N": 2, "C": 3, "F": 3, "HH": 3, "WW": 3, "stride": 1, "pad": 1,
                       "Po": 4, "PH": 2, "PW": 2, "pool_stride": 2, "leftover": 0},  # fmt: skip
    **{
        f"FullyConnectedNet (hidden_dims, input_dim, num_classes, {options})": {
            "N": 2, "D": 15, "H1": 20, "H2": 30, "C": 10, "depth": 2, "normalization": None, "keep": 1, "seed": 0,
            "reg": 0.1,
        }  # fmt: skip
        for options in ("dropout_keep_ratio, normalization", "dropout, normalization", "dropout, use_batchnorm")
    },
    # the notebook's (3, 16, 16) image halved, as for conv_relu_pool
    "ThreeLayerConvNet": {"N": 2, "C": 3, "H": 8, "W": 8, "F": 3, "fs": 3, "Hd": 7, "K": 10, "reg": 0.1},
    # assignment 1: the notebooks check W (3073, 10) on 500 images by sampling 10 entries; a full
    # slow-mode gradcheck needs a forward per entry, so these are scaled down to W (50, 10), X (20, 50)
    "svm_loss_naive": {"N": 20, "D": 50, "C": 10, "reg": 0.05},
    "svm_loss_vectorized": {"N": 20, "D": 50, "C": 10, "reg": 0.05},
    "softmax_loss_naive": {"N": 20, "D": 50, "C": 10, "reg": 0.05},
    "softmax_loss_vectorized": {"N": 20, "D": 50, "C": 10, "reg": 0.05},
    "TwoLayerNet (input_size, hidden_size, output_size)": {"N": 5, "D": 4, "H": 10, "C": 3, "reg": 0.05},
    # assignment 3
    "rnn_step": {"N": 3, "D": 10, "H": 4},
    "rnn": {"N": 2, "T": 3, "D": 4, "H": 5},
    "word_embedding": {"N": 2, "T": 3, "V": 5, "D": 3},
    "temporal_affine": {"N": 2, "T": 3, "D": 4, "M": 5},
    "temporal_softmax_loss": {"N": 7, "T": 8, "V": 9},
    "lstm_step": {"N": 3, "D": 4, "H": 5},
    "lstm": {"N": 2, "T": 10, "D": 3, "H": 6},
}


def label(spec: GateSpec) -> str:
    """The gate's name, with its variant or signature where entries share a name."""
    if spec.variant:
        return f"{spec.name} ({spec.variant})"
    shared = sum(s.name == spec.name for s in REGISTRY) > 1
    return f"{spec.name} ({', '.join(spec.signature)})" if shared else spec.name

# gradcheck input magnitude where the spec's first one does not suit: at scale 1 the `distinct`
# spreading lays 500 scores out in steps of exactly 1e-2, so some svm margins land on the hinge (0)
# and gradcheck fails there; the CS231n notebook checks svm_loss at 0.001 * randn, all margins ~1.
GRADCHECK_SCALE = {"svm_loss": 1e-3, "svm_loss_naive": 1e-3, "svm_loss_vectorized": 1e-3}

Forward = Callable[[Mapping[str, np.ndarray]], tuple[Any, Any]]
Backward = Callable[[np.ndarray, Any], tuple[Any, ...]]


@dataclasses.dataclass
class Counter:
    calls: int = 0


def counted(cand: Candidate) -> tuple[Candidate, Counter]:
    """The candidate with its forward wrapped in a call counter (names kept for the engine's messages)."""
    counter = Counter()

    def count(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counter.calls += 1
            return fn(*args, **kwargs)

        return wrapper

    first, *rest = cand.objects
    if cand.convention is Convention.GATE_CLASS:
        first = type(first.__name__, (first,), {"forward": count(first.forward)})
    elif cand.convention is Convention.MODEL:
        first = type(first.__name__, (first,), {"loss": count(first.loss)})
    else:
        first = count(first)
    return dataclasses.replace(cand, objects=(first, *rest)), counter


def inputs_at(spec: GateSpec, pinned: Mapping[str, Any], seed: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sizes and input values at pinned sizes, built like the engine builds them (no grid), so relu
    keeps its values away from 0 and max pool its values distinct: no kinks in reach of gradcheck's
    1e-6 step."""
    sizes = {**pinned, **(spec.derive(pinned) if spec.derive else {})}
    values: dict[str, Any] = {}
    for stream, (name, inp) in enumerate(spec.inputs.items()):
        rng = np.random.default_rng([seed, stream])
        if isinstance(inp, Array) and inp.when is not None and not sizes[inp.when]:
            continue  # an optional input this configuration lacks (gamma1 without normalization)
        if isinstance(inp, Array):
            scale = GRADCHECK_SCALE.get(spec.name, inp.scales[0])
            values[name] = build_array(inp, shape_of(inp.shape, sizes), seed, scale, False, stream)
        elif isinstance(inp, Labels):
            values[name] = rng.integers(0, int(sizes[inp.classes]), shape_of(inp.shape, sizes))
        else:
            values[name] = inp.build(sizes, rng)
    return sizes, values


def present(spec: GateSpec, values: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(k for k in spec.differentiable if k in values)


def student_calls(
    spec: GateSpec, objects: Sequence[Any], values: Mapping[str, Any], sizes: Mapping[str, Any]
) -> tuple[Forward, Backward]:
    """forward(differentiable values) -> (out, state) and backward(dout, state) -> grads, calling the
    student's code directly in its own convention (no gradgate guard in the way)."""
    diff = present(spec, values)
    count = len(diff)

    def args(d: Mapping[str, np.ndarray]) -> list[Any]:
        return [d.get(k, v) for k, v in values.items()]

    def scaled(dout: np.ndarray, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(dout * g for g in grads)

    if spec.convention is Convention.LAYER_PAIR:
        fwd_fn, bwd_fn = objects

        # Several outputs (lstm_step's next_h, next_c) are one vector, as gradgate's adapter sees them.
        def layer_forward(d: Mapping[str, np.ndarray]) -> tuple[Any, Any]:
            *outs, cache = fwd_fn(*args(d))
            shapes = [np.shape(o) for o in outs]
            return np.concatenate([np.ravel(o) for o in outs]), (cache, shapes)

        def layer_backward(dout: np.ndarray, state: Any) -> tuple[Any, ...]:
            cache, shapes = state
            ends = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
            douts = [p.reshape(s) for p, s in zip(np.split(dout.reshape(-1), ends), shapes, strict=True)]
            return grads_tuple(bwd_fn(*douts, cache), count, bwd_fn.__name__)

        return layer_forward, layer_backward

    if spec.convention is Convention.GATE_CLASS:
        (cls,) = objects

        def gate_forward(d: Mapping[str, np.ndarray]) -> tuple[Any, Any]:
            gate = cls()
            return gate.forward(*args(d)), gate

        def gate_backward(dout: np.ndarray, gate: Any) -> tuple[Any, ...]:
            return grads_tuple(gate.backward(dout), count, cls.__name__)

        return gate_forward, gate_backward

    if spec.convention is Convention.LOSS_FUNCTION:
        (fn,) = objects

        def loss_forward(d: Mapping[str, np.ndarray]) -> tuple[Any, Any]:
            loss, grads = fn(*args(d))
            return loss, grads_tuple(grads, count, fn.__name__)

        return loss_forward, scaled

    (model_cls,) = objects
    data = [v for k, v in values.items() if k not in diff]
    kwargs = dict(spec.construct(sizes)) if spec.construct else {}

    def model_forward(d: Mapping[str, np.ndarray]) -> tuple[Any, Any]:
        model = model_cls(**kwargs)
        model.params.update(d)
        loss, grads = model.loss(*data)
        return loss, tuple(grads[k] for k in diff)

    return model_forward, scaled


class StudentFunction(torch.autograd.Function):
    """The student's numpy forward and backward as one autograd node."""

    @staticmethod
    def forward(
        ctx: Any, forward: Forward, backward: Backward, names: tuple[str, ...], *tensors: torch.Tensor
    ) -> torch.Tensor:
        out, state = forward({k: t.detach().numpy().copy() for k, t in zip(names, tensors, strict=True)})
        ctx.backward, ctx.state, ctx.shapes = backward, state, [t.shape for t in tensors]
        return torch.from_numpy(np.array(out, dtype=np.float64))

    @staticmethod
    def backward(ctx: Any, dout: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        grads = ctx.backward(dout.detach().numpy().copy(), ctx.state)
        shaped = zip(grads, ctx.shapes, strict=True)
        return (None, None, None, *(torch.from_numpy(np.array(g, dtype=np.float64)).reshape(s) for g, s in shaped))


@dataclasses.dataclass
class Timed:
    seconds: float
    calls: int
    verdict: str
    examples: int = 1


def run_gradgate(spec: GateSpec, cand: Candidate, options: Options, roots: Sequence[Path]) -> Timed:
    cand, counter = counted(cand)
    start = time.perf_counter()
    # a configurable model (FullyConnectedNet) is checked in each of its configurations, as `gradgate check` does
    results = [check_implementation((spec,), cand, options, roots, configuration=c) for c in configurations((spec,))]
    seconds = time.perf_counter() - start
    verdict = next((r.status.value for r in results if r.status.value != "pass"), "pass")
    return Timed(seconds, counter.calls, verdict, sum(r.examples_run for r in results))


def run_gradcheck(spec: GateSpec, cand: Candidate, fast: bool) -> Timed:
    cand, counter = counted(cand)
    sizes, values = inputs_at(spec, _pinned(spec) or {})
    forward, backward = student_calls(spec, cand.objects, values, sizes)
    names = present(spec, values)
    tensors = tuple(torch.tensor(values[k], dtype=torch.float64, requires_grad=True) for k in names)

    def fn(*ts: torch.Tensor) -> torch.Tensor:
        return StudentFunction.apply(forward, backward, names, *ts)

    start = time.perf_counter()
    ok = torch.autograd.gradcheck(fn, tensors, fast_mode=fast, raise_exception=False)
    seconds = time.perf_counter() - start
    return Timed(seconds, counter.calls, "pass" if ok else "FAIL")


@dataclasses.dataclass
class Row:
    gate: str
    small: Timed  # gradgate at the spec's sizes
    large: Timed  # gradgate at CS231n sizes
    slow: Timed
    fast: Timed


def _pinned(spec: GateSpec) -> dict[str, Any] | None:
    """The CS231n sizes of this entry, under its label (entries sharing a name) or its name."""
    pinned = CS231N.get(label(spec), CS231N.get(spec.name))
    return pinned if pinned is not None and set(pinned) == set(spec.sizes) else None


def measure(spec: GateSpec, cand: Candidate, options: Options, roots: Sequence[Path], repeat: int) -> Row:
    pinned = _pinned(spec)
    assert pinned is not None, f"{spec.name}: no CS231n sizes"
    large_spec = dataclasses.replace(spec, sizes={k: st.just(v) for k, v in pinned.items()})
    runs: dict[str, Callable[[], Timed]] = {
        "small": lambda: run_gradgate(spec, cand, options, roots),
        "large": lambda: run_gradgate(large_spec, cand, options, roots),
        "slow": lambda: run_gradcheck(spec, cand, fast=False),
        "fast": lambda: run_gradcheck(spec, cand, fast=True),
    }
    # Repeats interleaved and the fastest kept: the machine is shared, and other work only ever adds
    # time. Call counts are deterministic (seeded hypothesis, fixed gradcheck inputs).
    timed: dict[str, list[Timed]] = {k: [] for k in runs}
    for _ in range(repeat):
        for k, run in runs.items():
            timed[k].append(run())
    best = {k: min(v, key=lambda t: t.seconds) for k, v in timed.items()}
    return Row(label(spec), best["small"], best["large"], best["slow"], best["fast"])


def _verdict(t: Timed, examples: int) -> str:
    # hypothesis may stop short of the requested examples (a small search space, or a failure found)
    return t.verdict if t.examples == examples else f"{t.verdict} ({t.examples} ex)"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}" if b > 0 else "-"


def table(rows: Sequence[Row], examples: int) -> str:
    head = [
        "gate",
        f"gradgate s ({examples} ex)",
        "gradgate fwd calls/example (small / CS231n sizes)",
        "gradcheck slow s",
        "gradcheck slow fwd calls",
        "gradcheck fast s",
        "ratio gradgate/slow",
        "ratio gradgate/fast",
        "gradcheck fast fwd calls",
        f"gradgate s ({examples} ex, CS231n sizes)",
        "verdict gradgate / slow / fast",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            r.gate,
            f"{r.small.seconds:.3f}",
            f"{r.small.calls / max(r.small.examples, 1):.2f} / {r.large.calls / max(r.large.examples, 1):.2f}",
            f"{r.slow.seconds:.3f}",
            str(r.slow.calls),
            f"{r.fast.seconds:.3f}",
            _ratio(r.small.seconds, r.slow.seconds),
            _ratio(r.small.seconds, r.fast.seconds),
            str(r.fast.calls),
            f"{r.large.seconds:.3f}",
            f"{_verdict(r.small, examples)}, {_verdict(r.large, examples)} / {r.slow.verdict} / {r.fast.verdict}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    total = {k: sum(getattr(r, k).seconds for r in rows) for k in ("small", "large", "slow", "fast")}
    per_example = [
        sum(getattr(r, k).calls for r in rows) / max(sum(getattr(r, k).examples for r in rows), 1)
        for k in ("small", "large")
    ]
    totals = [
        "**total**",
        f"{total['small']:.3f}",
        f"{per_example[0]:.2f} / {per_example[1]:.2f}",
        f"{total['slow']:.3f}",
        str(sum(r.slow.calls for r in rows)),
        f"{total['fast']:.3f}",
        _ratio(total["small"], total["slow"]),
        _ratio(total["small"], total["fast"]),
        str(sum(r.fast.calls for r in rows)),
        f"{total['large']:.3f}",
        "",
    ]
    lines.append("| " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES, help="gradgate examples per gate")
    parser.add_argument("--gates", default="", help="comma-separated gate names (default: the whole registry)")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is reported")
    args = parser.parse_args(argv)

    wanted = [g for g in args.gates.split(",") if g]
    # the numpy gates whose CS231n notebook sizes are pinned above: the other courses' entries (needle,
    # MyTorch, micrograd, EECS 498's torch code) have no numpy forward/backward pair to wrap here
    specs = [s for s in REGISTRY if not s.tensors and _pinned(s) is not None and (not wanted or s.name in wanted)]
    unknown = set(wanted) - {s.name for s in specs}
    if unknown:
        parser.error(f"unknown gate(s): {', '.join(sorted(unknown))}")
    found = discover(STUDENT)
    # each registry entry's student implementation: among those its name and signature fit, the one
    # that passes it (alternative conventions of one gate share both)
    candidates = {}
    for spec in specs:
        fitting = [c for c in found.candidates if not isinstance(m := match(c), str) and spec in m]
        passing = [c for c in fitting if run_gradgate(spec, c, Options(examples=5), found.roots).verdict == "pass"]
        candidates[id(spec)] = (passing or fitting)[0]
    options = Options(examples=args.examples, seed=0, timeout=60.0)

    # Untimed warm-up, so the first gate does not pay for lazy imports and first-call setup.
    warm = specs[0]
    run_gradgate(warm, candidates[id(warm)], Options(examples=2), found.roots)
    run_gradcheck(warm, candidates[id(warm)], fast=True)

    load_start = os.getloadavg()[0]
    rows: list[Row] = []
    for spec in specs:
        rows.append(measure(spec, candidates[id(spec)], options, found.roots, args.repeat))
        r = rows[-1]
        print(f"{label(spec)}: gradgate {r.small.seconds:.2f} s, gradcheck slow {r.slow.seconds:.2f} s", file=sys.stderr)

    header = (
        f"gradgate {args.examples} examples/gate, seed 0; fastest of {args.repeat} runs; "
        f"load average {load_start:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), gradcheck float64; "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    slow = sum(r.slow.seconds for r in rows)
    # the whole corpus (every gate's student implementation) at N examples vs slow gradcheck at one
    corpus = f"corpus ratio {sum(r.small.seconds for r in rows) / slow:.2f}" if slow > 0 else "corpus ratio -"
    text = header + "\n\n" + table(rows, args.examples) + "\n" + corpus + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
