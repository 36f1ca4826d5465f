"""`gradgate grade --shard K/N`: which submissions a shard grades, and whether the folders given to
`gradgate merge` are every shard of one class.

The class is sorted by each submission's path relative to the class folder (`alice`, `bob.py`) and
shard K of N takes every N-th from the K-th. Every machine that has the same class folder computes
the same split with no list passed around, and shards differ in size by one at most (round-robin,
where contiguous slices would put a run of heavy folders on one machine).

A shard's summary.json records {"index": K, "count": N, "of": TOTAL, "class": DIGEST}, DIGEST a
hash of the class's sorted relative paths, so `merge` can tell, before copying anything, a shard
missing or given twice, shards of different splits, shards of different classes, and a shard that
stopped early (--fail-fast): what it holds is then not the class its record names.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

SUMMARY = "summary.json"  # grade.CLASS_FILES[0]; not imported: --shard is parsed before the engine loads
_SPEC = re.compile(r"([0-9]+)/([0-9]+)")  # ASCII digits: \d would take other scripts' too


class ShardError(Exception):
    """Folders that are not one whole set of shards; the message says what is wrong."""


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse(text: str) -> Shard:
    """--shard's type: `K/N` with 1 <= K <= N."""
    match = _SPEC.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"expected K/N (shard K of N, like 2/4), got {text!r}")
    index, count = int(match[1]), int(match[2])
    if count < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 shard, got {text!r}")
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"expected 1 <= K <= N (shards are numbered 1 to {count}), got {text!r}")
    return Shard(index, count)


T = TypeVar("T")


def select(items: Sequence[T], shard: Shard, path: Callable[[T], str]) -> list[T]:
    """Shard `shard` of `items`, each placed by `path(item)`, its path relative to the class folder."""
    ordered = sorted(items, key=path)
    return ordered[shard.index - 1 :: shard.count]


def class_digest(paths: Iterable[str]) -> str:
    """What tells one class from another: its submissions' relative paths, sorted, hashed."""
    return hashlib.sha256("\n".join(sorted(paths)).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Record:
    """summary.json's "shard": this shard, and the class it was taken from."""

    index: int
    count: int
    of: int  # submissions in the whole class
    klass: str  # class_digest of the whole class

    @classmethod
    def of_class(cls, shard: Shard, paths: Sequence[str]) -> Record:
        return cls(shard.index, shard.count, len(paths), class_digest(paths))

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "count": self.count, "of": self.of, "class": self.klass}

    @classmethod
    def from_json(cls, data: Any, where: Path) -> Record:
        if not (isinstance(data, dict) and isinstance(data.get("class"), str)
                and all(type(data.get(k)) is int for k in ("index", "count", "of"))):
            raise ShardError(f"{where}: \"shard\" is not {{\"index\", \"count\", \"of\", \"class\"}}: {data!r}")
        return cls(data["index"], data["count"], data["of"], data["class"])

    def __str__(self) -> str:
        return f"shard {self.index} of {self.count}"


# ---------------------------------------------------------------------------------------------
# merge


@dataclass(frozen=True)
class Part:
    """One folder given to `merge`: its shard record (None: graded whole) and its grading settings
    as its summary.json says (an empty shard has no report to say them)."""

    folder: Path
    shard: Record | None
    settings: Mapping[str, Any]
    empty: bool  # a shard with no submissions (more shards than students)


def read(folder: Path) -> Part:
    """The part `folder` is, from its summary.json. A folder without a readable one was not graded
    with --shard (merge took such folders before shards existed, and still does)."""
    if not folder.is_dir():
        raise ShardError(f"{folder} is not a folder (expected the --out folder of a `gradgate grade` run)")
    try:
        summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return Part(folder, None, {}, False)
    if not isinstance(summary, dict) or "shard" not in summary:
        return Part(folder, None, {}, False)
    record = Record.from_json(summary["shard"], folder / SUMMARY)
    settings = {"seeds": summary.get("seed"), "numbers of examples": summary.get("examples"),
                "assignments": (summary.get("assignment") or {}).get("digest")}
    return Part(folder, record, settings, not summary.get("submissions"))


def check(parts: Sequence[Part]) -> None:
    """Refuse folders that are not every shard of one split of one class, graded the same way.
    Folders none of which is a shard pass: merge joins them as it always has."""
    shards = [(p, p.shard) for p in parts if p.shard is not None]
    if not shards:
        return
    (first, one), whole = shards[0], next((p for p in parts if p.shard is None), None)
    if whole is not None:
        raise ShardError(f"{first.folder} is {one} but {whole.folder} was not graded with --shard: "
                         "merge every shard of one `--shard K/N` split, or only folders graded without --shard")
    for p, other in shards[1:]:
        if other.count != one.count:
            raise ShardError(f"{first.folder} is {one} but {p.folder} is {other}: merge the shards of one split")
        if (other.of, other.klass) != (one.of, one.klass):
            raise ShardError(f"{first.folder} and {p.folder} are shards of different classes ({one.of} and "
                             f"{other.of} submissions, class {one.klass} and {other.klass}): "
                             "grade every shard from the same class folder")
        for what, value in first.settings.items():
            if p.settings.get(what) != value:
                raise ShardError(f"{first.folder} and {p.folder} were graded with different {what} "
                                 f"({value!r} and {p.settings.get(what)!r}): grade them again with the same settings")
    seen: dict[int, Path] = {}
    for p, record in shards:
        if record.index in seen:
            raise ShardError(f"{record} is given twice: {seen[record.index]} and {p.folder}")
        seen[record.index] = p.folder
    missing = [str(k) for k in range(1, one.count + 1) if k not in seen]
    if len(missing) == 1:
        raise ShardError(f"shard {missing[0]} of {one.count} is missing: merge every shard of the split")
    if missing:
        listed = f"{', '.join(missing[:-1])} and {missing[-1]}"
        raise ShardError(f"shards {listed} of {one.count} are missing: merge every shard of the split")


def check_complete(parts: Sequence[Part], paths: Sequence[str]) -> None:
    """The shards' submissions (`paths`, relative to the class folder) must be the class their
    records name: not so when a shard stopped early (--fail-fast) or lost a folder since."""
    record = next((p.shard for p in parts if p.shard is not None), None)
    if record is None:
        return
    if len(paths) != record.of or class_digest(paths) != record.klass:
        raise ShardError(f"the shards hold {len(paths)} submissions but were split from a class of {record.of} "
                         f"(class {record.klass}, theirs {class_digest(paths)}): a shard stopped early "
                         "(--fail-fast) or lost a submission; grade it again")
