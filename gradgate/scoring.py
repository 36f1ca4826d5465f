"""Scoring a graded report: the verdict, points and reason per gate, a function of the report JSON alone.

A gate earns its points when every implementation of it passed, and 0 otherwise, with the reason
(the failing check, missing, or why the submission could not be loaded). Which gates are expected:
the assignment file's; without one, every gate found anywhere in the class (`class_gates`), so a
submission that cannot be loaded still gets every test, at 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gradgate.gates import REGISTRY
from gradgate.gates.spec import Convention

from .assignment import Assignment

VERDICTS = ("pass", "fail", "error", "missing")
_SPECS = {s.name: s for s in REGISTRY}
_ORDER = list(dict.fromkeys(s.name for s in REGISTRY))  # a name may have several specs


def broken(result: Mapping[str, Any]) -> bool:
    """A module that did not import: the engine reports it as a result named after the file (a
    student's implementation label is a Python identifier and never ends in .py)."""
    return str(result["implementation"]).endswith(".py")


def found_gates(data: Mapping[str, Any]) -> list[str]:
    """The gates a report has implementations of, in registry order."""
    found = {r["gate"] for r in data["results"] if not broken(r)}
    return [n for n in _ORDER if n in found] + sorted(found - set(_ORDER))


def class_gates(reports: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every gate found in any of the reports: what a class without an assignment file is graded on."""
    found = {g for data in reports for g in found_gates(data)}
    return [n for n in _ORDER if n in found] + sorted(found - set(_ORDER))


def load_error(data: Mapping[str, Any]) -> str | None:
    """Why the submission could not be loaded at all: the run's error, or, for a folder, every one
    of its modules failing to import (nothing of it could be judged)."""
    if data.get("error") is not None:
        return str(data["error"])
    results = data["results"]
    if results and all(broken(r) for r in results) and not data.get("unchecked"):
        return "; ".join(_import_failure(r) for r in results)
    return None


def _import_failure(result: Mapping[str, Any]) -> str:
    why = str(result["message"]).removeprefix("cannot import: ")
    name = str(result["implementation"])
    # the engine's message usually names the file already ("layers.py cannot be imported: ...")
    return why if why.startswith(name) else f"{name} could not be imported: {why}"


def _expected_names(gate: str) -> str:
    spec = _SPECS.get(gate)
    convention = spec.convention if spec else None
    if convention is Convention.LAYER_PAIR:
        return f"{gate}_forward and {gate}_backward (or {gate}_forward_naive and {gate}_backward_naive)"
    if convention is Convention.GATE_CLASS:
        return f"a class {gate} with forward and backward methods"
    if convention is Convention.MODEL:
        return f"a class {gate} with .params and a loss method"
    if convention is Convention.SCALAR_ENGINE and spec is not None and spec.ops is not None:
        return f"a Value class (data, grad, backward) with {', '.join(spec.ops.methods)}"
    if convention is Convention.TENSOR_OP:
        return f"a needle TensorOp {gate} with compute and gradient"
    return f"a function {gate}"


def _near(name: str, gate: str) -> bool:
    """An unchecked name that is probably a try at `gate` (affine_forward without its backward)."""
    spec = _SPECS.get(gate)
    if spec is not None and spec.convention is Convention.LOSS_FUNCTION:
        return name.startswith(gate)
    if spec is not None and spec.ops is not None:  # a scalar engine's Value.tanh for value_tanh
        return name.endswith(f".{spec.ops.label}")
    return name in (gate, f"{gate}_forward", f"{gate}_forward_naive")


def _missing_reason(gate: str, data: Mapping[str, Any]) -> str:
    parts = [f"no {gate} found: expected {_expected_names(gate)}"]
    for u in data.get("unchecked", []):
        if _near(str(u["name"]), gate):
            parts.append(f"{u['name']} in {Path(u['source']).name}: {u['reason']}")
    parts.extend(_import_failure(r) for r in data["results"] if broken(r))
    return "; ".join(parts)


def _worst_error(results: Sequence[Mapping[str, Any]]) -> float | None:
    errors = [c["max_rel_error"] for r in results for c in r["checks"] if c.get("max_rel_error") is not None]
    return max(errors) if errors else None


def _failed_check(result: Mapping[str, Any]) -> str | None:
    cex = result.get("counterexample")
    if cex:
        return str(cex["check"])
    head, sep, _ = str(result.get("message", "")).partition(":")
    return head if sep and " " not in head else None


def _diagnosis(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first finding of the failure's diagnosis (the kind of mistake), for the class summary."""
    findings = result.get("diagnosis") or []
    if not findings or not isinstance(findings[0], Mapping):
        return None
    return {k: findings[0].get(k) for k in ("kind", "input", "detail", "message")}


def total(values: Sequence[float]) -> float:
    summed = sum(values)
    return round(summed, 6) if isinstance(summed, float) else summed


def score_gate(gate: str, points: float, data: Mapping[str, Any], configurations: Sequence[str] = ()) -> dict[str, Any]:
    """The verdict, score and reason for one gate of one report; of a configurable model, the
    results of the `configurations` graded (all without any)."""
    mine = [
        r for r in data["results"]
        if r["gate"] == gate and not broken(r) and (not configurations or r.get("configuration") in configurations)
    ]  # fmt: skip
    cell: dict[str, Any] = {
        "gate": gate,
        "verdict": "pass",
        "score": points,
        "max_score": points,
        "reason": "",
        "check": None,
        "worst_error": _worst_error(mine),
        "implementations": [r["implementation"] for r in mine],
        "diagnosis": None,
    }
    unloadable = load_error(data)
    if unloadable is not None:
        cell.update(verdict="error", score=0, reason=f"the submission could not be loaded: {unloadable}")
    elif not mine:
        cell.update(verdict="missing", score=0, reason=_missing_reason(gate, data))
    else:
        bad = [r for r in mine if r["status"] != "pass"]
        if bad:
            first = next((r for r in bad if r["status"] == "error"), bad[0])
            several = len({r.get("source") for r in mine}) > 1  # a model's configurations are one file
            where = f" in {Path(first['source']).name}" if several and first.get("source") else ""
            cell.update(
                verdict=first["status"],
                score=0,
                reason=f"{first['implementation']}{where}: {first['message']}",
                check=_failed_check(first),
                diagnosis=_diagnosis(first),
            )
    return cell


def score(data: Mapping[str, Any], assignment: Assignment, expected: Sequence[str] | None = None) -> dict[str, Any]:
    """Score per gate: the assignment's gates; without any, the `expected` ones (the class's) at one
    point each, or, for a submission graded alone, the gates it has."""
    if assignment.gates:
        gates = [(r.gate, r.points, r.configurations) for r in assignment.gates]
    else:
        names = found_gates(data) if expected is None else expected
        gates = [(name, 1, ()) for name in names]
    cells = [score_gate(gate, points, data, chosen) for gate, points, chosen in gates]
    return {
        "score": total([c["score"] for c in cells]),
        "max_score": total([c["max_score"] for c in cells]),
        "gates": cells,
    }
