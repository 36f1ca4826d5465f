"""Benchmark: how many submissions per minute `gradgate grade` grades, with --jobs 1 and --jobs 2, in
the sandbox and in-process, on one class in one run.

The class is COPIES copies of gates/student/ (every registry gate), some with a planted bug: db not
summed over the batch, a relu_backward that zeroes dout in place, MultiplyGate's gradients swapped,
a syntax error in losses.py. Every gate of the registry is worth one point. Each configuration
grades the whole class through `grade.grade_all` and writes the class summary, as the command does;
the summaries must agree (same seed), which the table's last column states. The last line is
`sandbox/in-process throughput R`: submissions per minute in the sandbox over in-process, one job each.

    /work/venv/bin/python benchmarks/grade_bench.py                        # 6 copies, 50 examples
    /work/venv/bin/python benchmarks/grade_bench.py --copies 4 --examples 20 --gates affine,relu,conv
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from gradgate.defaults import DEFAULT_TIMEOUT
from gradgate.gates import REGISTRY

from gradgate import classsummary, grade
from gradgate.assignment import Assignment, GateRule

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "gates" / "student"

# (file, text, replacement): one planted bug per copy, cycling; None is a correct copy.
BUGS: list[tuple[str, str, str] | None] = [
    None,
    ("layers.py", "db = np.sum(dout, axis=0)", "db = dout[0]"),
    ("layers.py", "dx = dout * (x > 0)", "dout[x <= 0] = 0\n    dx = dout"),
    ("lecture.py", "dx = dz * self.y\n        dy = dz * self.x", "dx = dz * self.x\n        dy = dz * self.y"),
    ("losses.py", "def softmax_loss(x, y):", "def softmax_loss(x, y)"),
    None,
]


def make_class(folder: Path, copies: int) -> None:
    for i in range(copies):
        target = folder / f"student{i + 1:02d}"
        shutil.copytree(STUDENT, target, ignore=shutil.ignore_patterns("__pycache__"))
        bug = BUGS[i % len(BUGS)]
        if bug is not None:
            name, old, new = bug
            text = (target / name).read_text()
            assert old in text, f"{old!r} not in {name}: the planted bug no longer applies"
            (target / name).write_text(text.replace(old, new, 1))


def run_config(folder: Path, out: Path, settings: grade.Settings, jobs: int) -> tuple[float, dict]:
    subs, _ = grade.find_submissions(folder)
    started = time.perf_counter()
    grade.grade_all(subs, settings, out, jobs=jobs)
    grade.complete([out / s.name for s in subs])  # as the command does (a no-op with the bench's [gates])
    summary = classsummary.summarize([classsummary.read(out / s.name) for s in subs])
    classsummary.write(out, summary)
    return time.perf_counter() - started, summary


def _differences(a: dict, b: dict) -> list[str]:
    """(submission, gate, verdict a -> verdict b) where two class summaries disagree."""
    out = []
    for ra, rb in zip(a["submissions"], b["submissions"], strict=True):
        for gate in a["gates"]:
            va, vb = ra["gates"].get(gate, {}).get("verdict"), rb["gates"].get(gate, {}).get("verdict")
            if va != vb:
                out.append(f"{ra['name']} {gate}: {va} -> {vb} ({rb['gates'].get(gate, {}).get('reason', '')[:120]})")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=6, help="submissions in the class (default 6)")
    p.add_argument("--examples", type=int, default=50, help="examples per implementation (default 50)")
    p.add_argument("--gates", default="", help="comma-separated registry gates (default: all)")
    p.add_argument("--configs", default="sandbox:1,sandbox:2,in-process:1,in-process:2",
                   help="executor:jobs pairs to run, in order (default all four)")
    p.add_argument("--out", type=Path, help="also write the table here")
    p.add_argument("--keep", type=Path, help="grade into this folder and keep the outputs (default: a temporary one)")
    args = p.parse_args()

    names = list(dict.fromkeys([g for g in args.gates.split(",") if g] or [s.name for s in REGISTRY]))
    unknown = set(names) - {s.name for s in REGISTRY}
    if unknown:
        print(f"grade_bench: no such gates: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    assignment = Assignment(title="benchmark", gates=tuple(GateRule(n, 1) for n in names))
    # the command's own defaults: adaptive time limits, torch allowed (UMich EECS 498's gates use it)
    base = grade.Settings(examples=args.examples, seed=0, timeout=DEFAULT_TIMEOUT, memory_mb=grade.DEFAULT_MEMORY_MB,
                          forbid_imports=(), assignment=assignment)
    configs = []
    for item in args.configs.split(","):
        executor, jobs = item.split(":")
        configs.append((executor, int(jobs)))

    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gradgate-grade-bench-") as scratch:
        tmp = args.keep or Path(scratch)
        if args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        folder = Path(tmp) / "class"
        make_class(folder, args.copies)
        summaries = {}
        for executor, jobs in configs:
            settings = replace(base, sandbox=executor == "sandbox")
            seconds, summary = run_config(folder, Path(tmp) / f"out-{executor}-{jobs}", settings, jobs)
            summaries[(executor, jobs)] = summary
            rows.append((executor, jobs, seconds))
            print(f"  {executor:10} jobs {jobs}: {seconds:7.1f} s", file=sys.stderr, flush=True)
    load_after = os.getloadavg()[0]

    reference = summaries[(configs[0][0], configs[0][1])]
    baseline = {(e, j): s for e, j, s in rows}.get(("in-process", 1))
    same = {k: json.dumps(v, sort_keys=True) == json.dumps(reference, sort_keys=True) for k, v in summaries.items()}
    scores = ", ".join(f"{r['name']} {r['score']:g}/{r['max_score']:g}" for r in reference["submissions"])

    header = (
        f"{args.copies} submissions x {len(names)} gates, {args.examples} examples per implementation, seed 0; "
        f"{os.cpu_count()} cores, load average {load_before:.2f} -> {load_after:.2f}; torch {torch.__version__} "
        f"({torch.get_num_threads()} threads); Python {sys.version.split()[0]}"
    )
    lines = [
        header,
        f"scores: {scores}",
        "",
        "| executor | jobs | seconds | submissions/min | time vs in-process, 1 job | summary same as first row |",
        "|---|---|---|---|---|---|",
    ]
    for executor, jobs, seconds in rows:
        ratio = f"{seconds / baseline:.2f}" if baseline else "n/a"
        lines.append(f"| {executor} | {jobs} | {seconds:.1f} | {60 * args.copies / seconds:.1f} | {ratio} | "
                     f"{'yes' if same[(executor, jobs)] else 'NO'} |")
    for key, summary in summaries.items():
        diffs = _differences(reference, summary)
        lines.extend(f"differs from the first row: {key[0]} jobs {key[1]}: {d}" for d in diffs[:12])
        if len(diffs) > 12:
            lines.append(f"differs from the first row: {key[0]} jobs {key[1]}: ... {len(diffs) - 12} more")
    sandboxed = {(e, j): s for e, j, s in rows}.get(("sandbox", 1))
    if baseline and sandboxed:
        lines.append(f"sandbox/in-process throughput {baseline / sandboxed:.2f}")
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.write_text(table + "\n")
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
