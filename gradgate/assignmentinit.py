"""`gradgate assignment init REFERENCE`: an assignment file from the teacher's reference solution.

The reference is checked as a submission is (in the sandbox, with the grading seed); every gate it
passes becomes a `[gates.NAME]` table worth one point, a model with the configurations it passes
(all: no `configurations` key), and what it does not pass is listed in a comment with the reason,
so a wrong reference never silently becomes the standard. The file is printed on stdout:

    gradgate assignment init solution/ > assignment.toml
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradgate.defaults import Timeout

from .scoring import found_gates, load_error


@dataclass(frozen=True)
class Rule:
    gate: str
    configurations: tuple[str, ...]  # empty: every configuration passed (or the gate has none)


@dataclass(frozen=True)
class Reference:
    rules: list[Rule]
    left_out: list[tuple[str, str]]  # (gate, why) of what the reference does not pass


def reference_rules(data: Mapping[str, Any]) -> Reference:
    """What an assignment file should grade, from the reference's report JSON."""
    rules, left_out = [], []
    for gate in found_gates(data):
        mine = [r for r in data["results"] if r["gate"] == gate]
        passed = [r for r in mine if r["status"] == "pass"]
        configured = [r for r in mine if r.get("configuration")]
        if configured and passed:
            chosen = tuple(dict.fromkeys(r["configuration"] for r in passed if r.get("configuration")))
            every = len(chosen) == len({r["configuration"] for r in configured})
            rules.append(Rule(gate, () if every else chosen))
        elif passed and len(passed) == len(mine):
            rules.append(Rule(gate, ()))
        else:
            first = next(r for r in mine if r["status"] != "pass")
            left_out.append((gate, f"{first['implementation']}: {first['status']}: {first['message']}"))
    return Reference(rules, left_out)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(text: str) -> str:
    return " ".join(text.split())[:300]


def toml(reference: Reference, source: str, examples: int, seed: int) -> str:
    lines = [
        f"# gradgate assignment file, written by `gradgate assignment init {source}`: every gate the",
        "# reference passes, one point each. Change the points; every key is documented in docs/grading.md.",
        "title = \"\"",
        f"examples = {examples}",
        f"# seed = {seed}                      # the same for every student: set one of your own and keep it private",
        "# forbid_imports = [\"torch\"]     # modules student code may not import",
        "# visibility = \"visible\"         # Gradescope: visible | hidden | after_due_date | after_published",
    ]
    for rule in reference.rules:
        lines += ["", f"[gates.{rule.gate}]", "points = 1"]
        if rule.configurations:
            lines.append(f"configurations = [{', '.join(_toml_string(c) for c in rule.configurations)}]"
                         "  # the ones the reference passes")
    if reference.left_out:
        lines += ["", "# not passed by the reference, so not graded (fix the reference, or add the gate by hand):"]
        lines += [f"#   {gate}: {_comment(why)}" for gate, why in reference.left_out]
    return "\n".join(lines) + "\n"


def describe_failure(data: Mapping[str, Any]) -> str | None:
    """Why no assignment can be written from this reference, or None."""
    why = load_error(data)
    if why is not None:
        return f"the reference could not be loaded: {why}"
    if not reference_rules(data).rules:
        found = ", ".join(found_gates(data)) or "nothing the registry knows"
        return f"the reference passes no gate (found: {found}); `gradgate check` on it says why"
    return None


def run_reference(path: Path, *, examples: int, seed: int, timeout: Timeout, sandbox: bool = True) -> dict[str, Any]:
    """The reference's report JSON, checked as `gradgate grade` checks a submission."""
    from gradgate.checks.engine import run
    from gradgate.checks.executor import IN_PROCESS

    from . import jsonreport, reportpaths

    executor = IN_PROCESS
    if sandbox:
        from gradgate.checks.sandbox import Sandbox

        executor = Sandbox(timeout=timeout)
    report = run(path, examples=examples, seed=seed, timeout=timeout, executor=executor)
    return reportpaths.relative(jsonreport.to_dict(report), path)
