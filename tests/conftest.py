"""Shared fixtures: paths of the built-in student implementations and the corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "gates" / "student"
MUTANTS = ROOT / "tests" / "mutants"
CORRECT = ROOT / "tests" / "correct"

# Seeds per correct implementation: a few by default, many under GRADGATE_SEEDS (the heavy CI run).
SEEDS = int(os.environ.get("GRADGATE_SEEDS", "3"))


@pytest.fixture
def student_dir() -> Path:
    return STUDENT
