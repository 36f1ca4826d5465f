"""The class summary: summary.json, summary.html (a student x gate matrix) and grades.csv, built from
graded report.json files alone.

`gradgate grade` builds it from the folders it just wrote; `gradgate merge` from folders graded on
other machines. Both go through `summarize`, which refuses reports graded with a different seed,
number of examples or assignment: their scores would not be comparable.

summary.json holds nothing that depends on where or how fast grading ran (no paths, no times), so
grading a class twice, in parallel, or in halves that are then merged, gives the same file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from gradgate.gates import REGISTRY

from . import scorehistogram
from .grade import CLASS_FILES, PAGE, REPORT, RESULTS, VERDICTS

SCHEMA = "gradgate.class/1"
REPORT_SCHEMA = "gradgate.report/1"
TEMPLATES = Path(__file__).resolve().parent / "templates"
_ORDER = list(dict.fromkeys(s.name for s in REGISTRY))  # a name may have several specs


class SummaryError(Exception):
    """Reports that cannot be read, or cannot be put in one class summary; the message says which."""


@dataclass(frozen=True)
class Graded:
    """One submission's folder: DIR/<name>/ with its report.json as read back."""

    name: str
    folder: Path
    data: dict[str, Any]


def read(folder: Path) -> Graded:
    path = folder / REPORT
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SummaryError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SummaryError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SummaryError(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise SummaryError(f"{path} is not a {REPORT_SCHEMA} report")
    payload = data.get("submission")
    if not isinstance(payload, dict) or not {"name", "score", "max_score", "gates", "assignment"} <= set(payload):
        raise SummaryError(f"{path} was not written by `gradgate grade` or `gradgate gradescope` (it has no graded \"submission\")")
    return Graded(str(payload["name"]), folder, data)


def scan(dirs: Iterable[Path]) -> list[Graded]:
    """Every DIR/<name>/report.json under the given output folders; duplicate names are an error."""
    graded: dict[str, Graded] = {}
    for d in dirs:
        if not d.is_dir():
            raise SummaryError(f"{d} is not a folder (expected the --out folder of a `gradgate grade` run)")
        found = sorted(p.parent for p in d.glob(f"*/{REPORT}"))
        if not found:
            raise SummaryError(f"{d} holds no graded submissions (no {d}/<name>/{REPORT})")
        for folder in found:
            g = read(folder)
            if g.name in graded:
                raise SummaryError(f"{g.name!r} was graded twice: in {graded[g.name].folder} and in {folder}")
            graded[g.name] = g
    return [graded[n] for n in sorted(graded)]


def _same(graded: Sequence[Graded], what: str, value: Any) -> None:
    """Every report must agree on `what`; the message names one that does not."""
    first = graded[0]
    for g in graded[1:]:
        if value(g) != value(first):
            raise SummaryError(
                f"{first.name} and {g.name} were graded with different {what} "
                f"({value(first)!r} and {value(g)!r}): grade them again with the same settings"
            )


def _gate_columns(graded: Sequence[Graded], assignment: Mapping[str, Any]) -> list[str]:
    if assignment["gates"]:
        return [r["gate"] for r in assignment["gates"]]
    found = {c["gate"] for g in graded for c in g.data["submission"]["gates"]}
    return [n for n in _ORDER if n in found] + sorted(found - set(_ORDER))


def _stats(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"mean": None, "median": None, "min": None, "max": None}
    return {
        "mean": round(statistics.fmean(values), 4),
        "median": round(statistics.median(values), 4),
        "min": min(values),
        "max": max(values),
    }


def _failure_key(cell: Mapping[str, Any]) -> tuple[str, str, str, str]:
    d = cell.get("diagnosis") or {}
    return (cell["verdict"], cell.get("check") or "", str(d.get("kind") or ""), f"{d.get('input') or ''} {d.get('detail') or ''}")


def _gate_stats(gate: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How the class did on one gate: the share that passed, and its most common failure (the
    verdict, the failing check and the diagnosis), among the submissions that could be loaded
    (the others are listed once, as unloadable, and would otherwise be every gate's top failure)."""
    cells = [(r["name"], r["gates"][gate]) for r in rows if gate in r["gates"]]
    passed = sum(1 for _, c in cells if c["verdict"] == "pass")
    groups: dict[tuple[str, str, str, str], list[tuple[str, Mapping[str, Any]]]] = {}
    for name, cell in cells:
        loaded = next(r for r in rows if r["name"] == name)["error"] is None
        if cell["verdict"] != "pass" and loaded:
            groups.setdefault(_failure_key(cell), []).append((name, cell))
    common = None
    if groups:
        key = max(sorted(groups), key=lambda k: len(groups[k]))  # ties: the first in sorted order
        members = groups[key]
        first = members[0][1]
        diagnosis = first.get("diagnosis") or None
        common = {
            "verdict": first["verdict"],
            "check": first.get("check"),
            "count": len(members),
            "submissions": [name for name, _ in members],
            "reason": first["reason"],  # the first student's, as an example
            "diagnosis": diagnosis.get("message") if diagnosis else None,
        }
    return {
        "passed": passed,
        "graded": len(cells),
        "share": round(passed / len(cells), 4) if cells else None,
        "common_failure": common,
    }


def summarize(graded: Sequence[Graded]) -> dict[str, Any]:
    """summary.json's content for these graded submissions (links relative to their common folder)."""
    if not graded:
        raise SummaryError("no graded submissions to summarize")
    _same(graded, "seeds", lambda g: g.data["seed"])
    _same(graded, "numbers of examples", lambda g: g.data["examples"])
    _same(graded, "assignments", lambda g: g.data["submission"]["assignment"].get("digest"))
    return _summary(graded, graded[0].data["seed"], graded[0].data["examples"], graded[0].data["submission"]["assignment"])


def nobody(seed: int, examples: int, assignment: Mapping[str, Any]) -> dict[str, Any]:
    """summary.json's content for a shard with no submissions (more shards than students): a valid,
    empty class, which still says how it would have graded, for merge to compare."""
    return _summary([], seed, examples, assignment)


def _summary(graded: Sequence[Graded], seed: int, examples: int, assignment: Mapping[str, Any]) -> dict[str, Any]:
    columns = _gate_columns(graded, assignment)
    rows = []
    counts = {gate: dict.fromkeys(VERDICTS, 0) for gate in columns}
    for g in graded:
        payload = g.data["submission"]
        cells = {c["gate"]: {k: c.get(k) for k in ("verdict", "score", "max_score", "worst_error", "check", "reason", "diagnosis")}
                 for c in payload["gates"]}
        for gate, cell in cells.items():
            tally = counts.setdefault(gate, dict.fromkeys(VERDICTS, 0))
            tally[cell["verdict"]] = tally.get(cell["verdict"], 0) + 1
        link = quote(g.name)
        rows.append({
            "name": g.name,
            "path": payload.get("path"),  # relative to the class folder
            "report": f"{link}/{REPORT}",
            "page": f"{link}/{PAGE}" if (g.folder / PAGE).exists() else None,
            "results": f"{link}/{RESULTS}",
            "error": g.data["error"],
            "score": payload["score"],
            "max_score": payload["max_score"],
            "gates": cells,
        })
    return {
        "schema": SCHEMA,
        "seed": seed,
        "examples": examples,
        "assignment": assignment,
        "gates": columns,
        "submissions": rows,
        "gate_counts": counts,
        "gate_stats": {gate: _gate_stats(gate, rows) for gate in columns},
        "scores": _stats([r["score"] for r in rows]),
        "unloadable": [r["name"] for r in rows if r["error"] is not None],
    }


# ---------------------------------------------------------------------------------------------
# renderers


def _num(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


def _cell_text(text: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula; names come from students.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def grades_csv(summary: Mapping[str, Any]) -> str:
    """One row per submission in the order a gradebook import takes: the student's identifier, the
    grade and its maximum, then the points per gate (empty: not graded on it) for reference."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "total", "max_score", *summary["gates"]])
    for row in summary["submissions"]:
        cells = [_num(row["gates"][g]["score"]) if g in row["gates"] else "" for g in summary["gates"]]
        writer.writerow([_cell_text(row["name"]), _num(row["score"]), _num(row["max_score"]), *cells])
    return buffer.getvalue()


def _sci(x: float | None) -> str:
    if x is None:
        return ""
    return "0" if x == 0 else f"{x:.1e}"


def summary_html(summary: Mapping[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["sci"] = _sci
    env.globals["problems"] = lambda row, gates: [g for g in gates if g in row["gates"] and row["gates"][g]["verdict"] != "pass"]
    return env.get_template("summary.html.j2").render(s=summary, histogram=scorehistogram.histogram(summary["submissions"]))


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(out: Path, summary: Mapping[str, Any]) -> list[Path]:
    """summary.json, summary.html and grades.csv in `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in CLASS_FILES]
    _write(paths[0], json.dumps(summary, indent=1, allow_nan=False) + "\n")
    _write(paths[1], summary_html(summary))
    _write(paths[2], grades_csv(summary))
    return paths


def gather(graded: Sequence[Graded], out: Path) -> list[Graded]:
    """Copy each submission's folder into `out` (unless it is there already), so links stay relative."""
    out.mkdir(parents=True, exist_ok=True)
    moved = []
    for g in graded:
        target = out / g.name
        if g.folder.resolve() != target.resolve():
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            shutil.copytree(g.folder, target)
        moved.append(Graded(g.name, target, g.data))
    return moved
