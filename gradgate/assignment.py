"""The assignment file: which gates a class is graded on, their points and what students see.

    title = "Assignment 2: backprop by hand"
    examples = 200                     # examples per implementation (--examples wins)
    seed = 2024                        # --seed wins
    forbid_imports = ["torch", "jax"]  # added to --forbid-import
    visibility = "visible"             # Gradescope visibility of every gate, unless the gate says otherwise
    counterexamples = "shown"          # "hidden": Gradescope output names the failing check, not the example

    [gates.affine]
    points = 4
    [gates.conv]
    points = 6
    visibility = "after_published"
    counterexamples = "hidden"
    tolerances = { backward_vs_torch = 1e-5 }
    [gates.FullyConnectedNet]
    points = 5
    configurations = ["plain"]         # a configurable model: the configurations graded (default: all)

Every key is optional. Without a [gates] table, every gate found is worth one point (as without a
file). `load` validates everything up front and raises AssignmentError with the file, the key and
what was expected.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from gradgate.checks.results import Check
from gradgate.checks.tolerances import FAIL_ABOVE
from gradgate.gates import REGISTRY

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's four
COUNTEREXAMPLES = ("shown", "hidden")
TOLERANCE_CHECKS = tuple(c.value for c in FAIL_ABOVE)
TOP_KEYS = ("title", "examples", "seed", "forbid_imports", "visibility", "counterexamples", "gates")
GATE_KEYS = ("points", "visibility", "counterexamples", "tolerances", "configurations")


class AssignmentError(Exception):
    """The assignment file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class GateRule:
    gate: str
    points: float
    visibility: str = "visible"
    counterexamples: str = "shown"
    tolerances: Mapping[str, float] = field(default_factory=dict)
    # a configurable model's configurations that count (FullyConnectedNet's "plain", ...); empty: all
    configurations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    title: str = ""
    examples: int | None = None
    seed: int | None = None
    forbid_imports: tuple[str, ...] = ()
    visibility: str = "visible"
    counterexamples: str = "shown"
    gates: tuple[GateRule, ...] = ()  # empty: every gate found is worth one point

    def rule(self, gate: str) -> GateRule:
        """The rule for `gate`: the file's, or one point with the file's defaults."""
        for r in self.gates:
            if r.gate == gate:
                return r
        return GateRule(gate, 1, self.visibility, self.counterexamples)

    @property
    def tolerances(self) -> dict[str, dict[Check, float]]:
        """The engine's per-gate overrides of checks/tolerances.py."""
        return {r.gate: {Check(c): v for c, v in r.tolerances.items()} for r in self.gates if r.tolerances}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["forbid_imports"] = list(self.forbid_imports)
        data["gates"] = [dict(asdict(r), tolerances=dict(r.tolerances)) for r in self.gates]
        for gate in data["gates"]:  # absent unless chosen: a file without them keeps its digest
            if gate["configurations"]:
                gate["configurations"] = list(gate["configurations"])
            else:
                del gate["configurations"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assignment:
        """The assignment back from `to_dict` (as a graded report records it)."""
        gates = tuple(
            GateRule(
                gate=g["gate"], points=g["points"], visibility=g.get("visibility", "visible"),
                counterexamples=g.get("counterexamples", "shown"), tolerances=dict(g.get("tolerances", {})),
                configurations=tuple(g.get("configurations", ())),
            )
            for g in data.get("gates", [])
        )  # fmt: skip
        return cls(
            title=data.get("title", ""), examples=data.get("examples"), seed=data.get("seed"),
            forbid_imports=tuple(data.get("forbid_imports", ())), visibility=data.get("visibility", "visible"),
            counterexamples=data.get("counterexamples", "shown"), gates=gates,
        )  # fmt: skip

    @property
    def digest(self) -> str:
        """Identifies what the file asks for (not its comments or layout), so merge can tell two apart."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


# A class graded without a file: every gate found is worth one point, everything visible.
DEFAULT = Assignment()


def valid_module_name(name: str) -> bool:
    return name.isidentifier()


def _where(path: Path, key: str) -> str:
    return f"{path}: {key}"


def _choice(value: Any, choices: Sequence[str], where: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise AssignmentError(f"{where} should be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def _unknown(keys: Any, allowed: Sequence[str], where: str) -> None:
    for key in keys:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            also = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise AssignmentError(f"{where}: unknown key {key!r}{also}; expected one of {', '.join(allowed)}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise AssignmentError(f"{where} should be a number, got {value!r}")
    return value


def _gate(name: str, table: Any, path: Path, defaults: Assignment) -> GateRule:
    where = _where(path, f"[gates.{name}]")
    if not isinstance(table, dict):
        raise AssignmentError(f"{where} should be a table (points = ...), got {table!r}")
    _unknown(table, GATE_KEYS, where)
    if "points" not in table:
        raise AssignmentError(f"{where} has no points (e.g. points = 4)")
    points = _number(table["points"], f"{where} points")
    if points < 0:
        raise AssignmentError(f"{where} points should be 0 or more, got {points!r}")
    tolerances = table.get("tolerances", {})
    if not isinstance(tolerances, dict):
        raise AssignmentError(f"{where} tolerances should be a table like {{ backward_vs_torch = 1e-5 }}, got {tolerances!r}")
    _unknown(tolerances, TOLERANCE_CHECKS, f"{where} tolerances")
    for check, limit in tolerances.items():
        if _number(limit, f"{where} tolerances.{check}") <= 0:
            raise AssignmentError(f"{where} tolerances.{check} should be more than 0, got {limit!r}")
    offered = list(dict.fromkeys(c for s in REGISTRY if s.name == name for c in s.configurations))
    chosen = table.get("configurations")
    if chosen is not None and (not isinstance(chosen, list) or not chosen or any(c not in offered for c in chosen)):
        expected = f"a list of some of {', '.join(map(repr, offered))}" if offered else f"left out: {name} has no configurations"
        raise AssignmentError(f"{where} configurations should be {expected}, got {chosen!r}")
    return GateRule(
        gate=name,
        points=points,
        visibility=_choice(table.get("visibility", defaults.visibility), VISIBILITIES, f"{where} visibility"),
        counterexamples=_choice(table.get("counterexamples", defaults.counterexamples), COUNTEREXAMPLES, f"{where} counterexamples"),
        tolerances={k: float(v) for k, v in tolerances.items()},
        configurations=tuple(dict.fromkeys(chosen or ())),
    )


def parse(data: Mapping[str, Any], path: Path) -> Assignment:
    """An Assignment from the TOML's tables; `path` only names the file in messages."""
    _unknown(data, TOP_KEYS, str(path))
    title = data.get("title", "")
    if not isinstance(title, str):
        raise AssignmentError(f"{_where(path, 'title')} should be a string, got {title!r}")
    examples = data.get("examples")
    if examples is not None and (isinstance(examples, bool) or not isinstance(examples, int) or examples < 1):
        raise AssignmentError(f"{_where(path, 'examples')} should be a whole number of at least 1, got {examples!r}")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32):
        raise AssignmentError(f"{_where(path, 'seed')} should be a whole number with 0 <= seed < 2**32, got {seed!r}")
    forbid = data.get("forbid_imports", [])
    if not isinstance(forbid, list) or not all(isinstance(m, str) and valid_module_name(m) for m in forbid):
        raise AssignmentError(
            f"{_where(path, 'forbid_imports')} should be a list of top-level module names like [\"torch\", \"jax\"], got {forbid!r}"
        )
    defaults = Assignment(
        title=title,
        examples=examples,
        seed=seed,
        forbid_imports=tuple(dict.fromkeys(forbid)),
        visibility=_choice(data.get("visibility", "visible"), VISIBILITIES, _where(path, "visibility")),
        counterexamples=_choice(data.get("counterexamples", "shown"), COUNTEREXAMPLES, _where(path, "counterexamples")),
    )
    gates = data.get("gates", {})
    if not isinstance(gates, dict):
        raise AssignmentError(f"{_where(path, 'gates')} should be tables like [gates.affine], got {gates!r}")
    known = list(dict.fromkeys(s.name for s in REGISTRY))
    rules = []
    for name, table in gates.items():
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            also = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise AssignmentError(f"{_where(path, f'[gates.{name}]')}: no gate {name!r} in the registry{also}; `gradgate list` shows them")
        rules.append(_gate(name, table, path, defaults))
    return replace(defaults, gates=tuple(rules))


def load(path: Path) -> Assignment:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AssignmentError(f"{path} does not exist") from None
    except OSError as exc:
        raise AssignmentError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise AssignmentError(f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise AssignmentError(f"{path} is not valid TOML: {exc}") from None
    return parse(data, path)
