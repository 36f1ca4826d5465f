"""Seconds a failing implementation takes with and without its diagnosis, one line per mutant named
on the command line (from the repository root):

    python benchmarks/diagnosis_cost.py lstm__dx_from_last_step_only.py conv__pad_not_cropped.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import gradgate.checks.engine as engine
from gradgate.checks.engine import run

MUTANTS = Path(__file__).resolve().parent.parent / "tests" / "mutants"


def seconds(path: Path, diagnosed: bool) -> tuple[float, list[str]]:
    gate = path.name.split("__")[0]
    real = engine.diagnose
    if not diagnosed:
        engine.diagnose = lambda *a, **k: []  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        report = run(path, examples=100, seed=0, timeout=20, registry=[s for s in engine.REGISTRY if s.name == gate])
        return time.perf_counter() - start, [f.kind.value for r in report.results for f in r.diagnosis]
    finally:
        engine.diagnose = real


def main(names: list[str]) -> None:
    for name in names:
        with_it, findings = seconds(MUTANTS / name, True)
        without, _ = seconds(MUTANTS / name, False)
        print(f"{name}: {with_it:.1f} s with the diagnosis, {without:.1f} s without: {with_it - without:.1f} s; {findings}")


if __name__ == "__main__":
    main(sys.argv[1:])
