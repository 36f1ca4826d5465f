"""The `gradgate.report/1` JSON: the results as plain data, the one input of every renderer."""

from __future__ import annotations

import json
import math
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gradgate.checks.results import ImplementationResult, RunReport

SCHEMA = "gradgate.report/1"


def _clean(value: Any) -> Any:
    """Enums to their values, and non-finite floats to null (JSON has neither)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "value") and type(value).__module__.endswith("results"):
        return value.value
    return value


def versions() -> dict[str, str]:
    """The installed distributions' versions, read without importing them (a report of a target
    that does not exist is written without loading torch)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "gradgate": installed("gradgate"),
        "numpy": installed("numpy"),
        "torch": installed("torch"),
        "hypothesis": installed("hypothesis"),
        "python": platform.python_version(),
    }


def result_dict(result: ImplementationResult) -> dict[str, Any]:
    return {**_clean(asdict(result)), "seconds": round(result.seconds, 3)}


def to_dict(report: RunReport, command: str | None = None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "target": report.target,
        "seed": report.seed,
        "examples": report.examples,
        "error": report.error,
        "results": [result_dict(r) for r in report.results],
        "summary": report.summary,
        "unchecked": [{**asdict(u), "kind": u.kind.value} for u in report.unchecked],
        "seconds": round(report.seconds, 3),
        "versions": versions(),
        "command": command,
    }


def write(report: RunReport, path: Path, command: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_dict(report, command), indent=1, allow_nan=False) + "\n")
