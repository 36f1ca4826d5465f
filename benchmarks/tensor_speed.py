"""Benchmark: torch-tensor code (UMich EECS 498) against numpy code (CS231n) of the same maths and
the same sizes, per example, in one run.

Each pair is an EECS 498 entry and the CS231n entry it was made from (same inputs, size strategies
and reference; only the student's arrays differ: torch tensors or numpy arrays), checked with the
same seed under one name (the examples' seed is derived from it), so both sides see the same
drawn examples. Student code: gates/student's
eecs498_*.py and layers.py / layer_utils.py. Issue 12's bar: torch-tensor code not slower per
example than numpy code of the same size.

    .venv/bin/python benchmarks/tensor_speed.py [--examples N] [--repeat R] [--out FILE]

Each side is also timed inside the student's own forward and backward: torch's small-tensor calls
cost more than numpy's whatever the checker does, so gradgate's own part (the rest) is shown beside
the whole. The last line is `torch/numpy seconds per example R`, over all pairs together. Times are
the process's CPU time: on a shared virtual machine the wall clock also counts time the host gave
to others, which moved single pairs by 30% between runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from gradgate.checks.discover import Candidate, discover
from gradgate.checks.engine import Options, check_implementation
from gradgate.checks.matching import match
from gradgate.gates import REGISTRY
from gradgate.gates.spec import GateSpec

STUDENT = Path(__file__).resolve().parent.parent / "gates" / "student"

# (EECS 498 torch entry, CS231n numpy entry): the same computation
PAIRS = (
    ("Linear", "affine"),
    ("ReLU", "relu"),
    ("Conv", "conv"),
    ("MaxPool", "max_pool"),
    ("BatchNorm", "batchnorm"),
    ("SpatialBatchNorm", "spatial_batchnorm"),
    ("Conv_ReLU", "conv_relu"),
    ("Conv_ReLU_Pool", "conv_relu_pool"),
)


def _entry(name: str, tensors: bool) -> GateSpec:
    return next(s for s in REGISTRY if s.name == name and s.tensors == tensors and not s.variant and s.stateful is None)


def _candidate(spec: GateSpec, candidates: list[Candidate]) -> Candidate:
    return next(c for c in candidates if not isinstance(m := match(c), str) and spec in m)


@dataclasses.dataclass
class Timed:
    seconds: float  # the whole check
    student: float  # of which inside the student's forward and backward
    examples: int
    verdict: str


def _clocked(fn: Callable[..., Any], clock: list[float]) -> Callable[..., Any]:
    @functools.wraps(fn)  # the signature stays readable (a `device` parameter)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            clock[0] += time.process_time() - start

    return wrapper


def _timed(spec: GateSpec, cand: Candidate, options: Options, roots: tuple[Path, ...]) -> Timed:
    clock = [0.0]
    cand = dataclasses.replace(cand, objects=tuple(_clocked(o, clock) for o in cand.objects))
    start = time.process_time()
    result = check_implementation((spec,), cand, options, roots)
    return Timed(time.process_time() - start, clock[0], result.examples_run, result.status.value)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=100, help="examples per implementation (default 100)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement, interleaved; the fastest is kept")
    p.add_argument("--out", type=Path, help="also write the table here")
    args = p.parse_args()

    found = discover(STUDENT)
    roots = tuple(found.roots)
    options = Options(examples=args.examples, seed=0, timeout=60.0)
    pairs = []
    for torch_name, numpy_name in PAIRS:
        t_spec, n_spec = _entry(torch_name, True), _entry(numpy_name, False)
        n_cand = _candidate(n_spec, found.candidates)
        # under the torch entry's name: the examples' seed is derived from it, so both draw the same
        pairs.append((t_spec, _candidate(t_spec, found.candidates), dataclasses.replace(n_spec, name=t_spec.name), n_cand))
    # untimed warm-up: lazy imports and first calls on both sides
    t_spec, t_cand, n_spec, n_cand = pairs[0]
    _timed(t_spec, t_cand, Options(examples=3), roots)
    _timed(n_spec, n_cand, Options(examples=3), roots)

    load_start = os.getloadavg()[0]
    rows = []
    for t_spec, t_cand, n_spec, n_cand in pairs:
        best: dict[str, Timed] = {}
        for _ in range(args.repeat):
            for side, spec, cand in (("torch", t_spec, t_cand), ("numpy", n_spec, n_cand)):
                timed = _timed(spec, cand, options, roots)
                if side not in best or timed.seconds < best[side].seconds:
                    best[side] = timed
        rows.append((t_spec.name, dict(PAIRS)[t_spec.name], best["torch"], best["numpy"]))
        print(f"{t_spec.name} / {n_spec.name}: {best['torch'].seconds:.2f} s / {best['numpy'].seconds:.2f} s", file=sys.stderr)

    lines = [
        f"{args.examples} examples per implementation, seed 0, fastest of {args.repeat}; load average "
        f"{load_start:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; torch {torch.__version__} "
        f"({torch.get_num_threads()} threads); numpy {np.__version__}; Python {platform.python_version()}",
        "",
        "ms per example: the whole check, and gradgate's own part (the whole less the student's forward and backward)",
        "",
        "| torch entry | numpy entry | examples | torch | numpy | torch/numpy | torch, gradgate's | numpy, gradgate's | torch/numpy, gradgate's | verdicts |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    totals = {"torch": 0.0, "numpy": 0.0, "torch own": 0.0, "numpy own": 0.0}
    for t_name, n_name, t, n in rows:
        per = {"torch": t.seconds / max(t.examples, 1), "numpy": n.seconds / max(n.examples, 1),
               "torch own": (t.seconds - t.student) / max(t.examples, 1), "numpy own": (n.seconds - n.student) / max(n.examples, 1)}  # fmt: skip
        for k, v in per.items():
            totals[k] += v
        lines.append(
            f"| {t_name} | {n_name} | {t.examples} / {n.examples} | {1000 * per['torch']:.2f} | {1000 * per['numpy']:.2f} | "
            f"{per['torch'] / per['numpy']:.2f} | {1000 * per['torch own']:.2f} | {1000 * per['numpy own']:.2f} | "
            f"{per['torch own'] / per['numpy own']:.2f} | {t.verdict} / {n.verdict} |"
        )
    lines.append(f"torch/numpy seconds per example, gradgate's own part {totals['torch own'] / totals['numpy own']:.2f}")
    lines.append(f"torch/numpy seconds per example {totals['torch'] / totals['numpy']:.2f}")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
