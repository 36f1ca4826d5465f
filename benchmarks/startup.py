"""Benchmark: how long gradgate takes to answer what needs no checking (--version, --help, list, an
argument error), side by side with importing what a check needs (`import numpy, torch, hypothesis`)
and a bare interpreter, what the pytest plugin adds to a plain pytest run, and the whole check of
one small file (an affine forward/backward pair, 100 examples).

Each command runs in a fresh process, REPEAT times interleaved; the table gives the fastest and the
median wall time, and the fastest as a fraction of the import line's.

    /work/venv/bin/python benchmarks/startup.py               # 7 repeats
    /work/venv/bin/python benchmarks/startup.py --repeat 3 --out /tmp/startup.md
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
_SCRIPT = Path(PY).parent / "gradgate"
GRADGATE = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "gradgate"]

COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass", [PY, "-c", "pass"]),
    ('python -c "import numpy, torch, hypothesis"', [PY, "-c", "import numpy, torch, hypothesis"]),
    ("gradgate --version", [*GRADGATE, "--version"]),
    ("gradgate --help", [*GRADGATE, "--help"]),
    ("gradgate check --help", [*GRADGATE, "check", "--help"]),
    ("gradgate grade --help", [*GRADGATE, "grade", "--help"]),
    ("gradgate list", [*GRADGATE, "list"]),
    ("gradgate check --bogus . (unknown option)", [*GRADGATE, "check", "--bogus", "."]),
    ("gradgate check (missing path)", [*GRADGATE, "check"]),
    ("gradgate check --seed x . (bad seed)", [*GRADGATE, "check", "--seed", "x", "."]),
    ("gradgate check no/such.py (no such path)", [*GRADGATE, "check", "no/such.py"]),
    # issue 14's bar for a whole check: one small file at the default 100 examples, <= 1.25x the import line
    ("gradgate check layers.py --no-report (one affine pair)", [*GRADGATE, "check", "layers.py", "--no-report"]),
    ("pytest (one trivial test)", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_trivial.py"]),
    ("pytest -p no:gradgate (the same)", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:gradgate", "test_trivial.py"]),
    ("pytest -p no:gradgate -p no:hypothesispytest", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:gradgate", "-p", "no:hypothesispytest", "test_trivial.py"]),
]
BASELINE = 1  # the import line
SMALL_FILE = """import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
"""


def _time(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per command, interleaved (default 7)")
    parser.add_argument("--out", type=Path, help="also write the table here")
    args = parser.parse_args()
    times: list[list[float]] = [[] for _ in COMMANDS]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gradgate-startup-") as scratch:
        cwd = Path(scratch)
        (cwd / "test_trivial.py").write_text("def test_trivial():\n    assert True\n")
        (cwd / "layers.py").write_text(SMALL_FILE)
        for _ in range(args.repeat):
            for n, (_, argv) in enumerate(COMMANDS):
                times[n].append(_time(argv, cwd))
    base = min(times[BASELINE])
    import numpy
    import torch

    lines = [
        f"fastest and median of {args.repeat} runs, each a fresh process; load average {load:.2f} -> "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"torch {torch.__version__}, numpy {numpy.__version__}",
        "",
        "| command | fastest s | median s | fastest / import line |",
        "|---|---|---|---|",
    ]
    for (label, _), ts in zip(COMMANDS, times, strict=True):
        lines.append(f"| `{label}` | {min(ts):.3f} | {statistics.median(ts):.3f} | {min(ts) / base:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    if shutil.which(GRADGATE[0]) is None and not Path(GRADGATE[0]).exists():
        sys.exit(f"no gradgate at {GRADGATE[0]}: install the project first")
    main()
