"""Shared fixtures: paths of the built-in student implementations and the corpora."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "gates" / "student"
MUTANTS = ROOT / "tests" / "mutants"
CORRECT = ROOT / "tests" / "correct"

T = TypeVar("T")

# Seeds per correct implementation: a few by default, many under GRADGATE_SEEDS (the heavy CI run).
SEEDS = int(os.environ.get("GRADGATE_SEEDS") or "1")
# The whole of each corpus that is also exercised elsewhere (diagnosis kinds, report snippets, notebook
# cells): every case under GRADGATE_FULL=1 (.ci/run sets it), an evenly spread share by default, so
# the default suite stays near five minutes on two cores.
FULL = os.environ.get("GRADGATE_FULL", "") == "1"


def sampled(cases: list[T], every: int) -> list[T]:
    """All of `cases` in the full run, else every `every`-th (the same ones each run)."""
    return list(cases) if FULL else list(cases)[::every]


@pytest.fixture
def student_dir() -> Path:
    return STUDENT


@pytest.fixture(scope="session")
def student_run() -> Any:
    """gates/student checked whole at 5 examples, once per test process (coverage and the schema)."""
    from gradgate.checks.engine import run

    return run(STUDENT, examples=5, seed=0)
