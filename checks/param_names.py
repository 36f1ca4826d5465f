"""A model's parameters numbered the student's own way (UMich EECS 498's DeepConvNet, whose template
leaves the keys to them): `W0 .. W{L-1}` for the course's `W1 .. WL`, or one counter over every
layer (`Conv1.w`, `BN2.gamma`, `Linear3.w`). Read as the course's by kind and order: the student's
weights in their numbering's order are the course's W1, W2, ...; likewise b, gamma, beta. Only where
every kind has as many keys as the course's and every parameter has its course counterpart's shape."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

# how a key's kind may be spelled: `W3`, `w_3`, `Conv1.w`, `BN2.weight` (a batchnorm's weight is its gamma)
_KINDS = {"w": "W", "weight": "W", "b": "b", "bias": "b", "gamma": "gamma", "beta": "beta"}


def _kind_and_index(key: Any) -> tuple[str, int] | None:
    if not isinstance(key, str):
        return None
    plain = re.fullmatch(r"([A-Za-z]+)_?(\d+)", key)
    if plain:
        return _KINDS.get(plain.group(1).lower(), plain.group(1)), int(plain.group(2))
    dotted = re.fullmatch(r"([A-Za-z_]*?)(\d+)[._]([A-Za-z]+)", key)
    if dotted is None:
        return None
    layer, index, kind = dotted.group(1), int(dotted.group(2)), _KINDS.get(dotted.group(3).lower(), dotted.group(3))
    if re.match(r"(?i)bn|batch|norm", layer) and kind in ("W", "b"):  # a batchnorm's weight and bias
        kind = "gamma" if kind == "W" else "beta"
    return kind, index


def _by_kind(keys: Iterable[Any]) -> dict[str, list[tuple[int, Any]]] | None:
    groups: dict[str, list[tuple[int, Any]]] = {}
    for key in keys:
        read = _kind_and_index(key)
        if read is None:
            return None
        groups.setdefault(read[0], []).append((read[1], key))
    return {kind: sorted(members, key=lambda m: m[0]) for kind, members in groups.items()}


def renamed(theirs: Iterable[Any], course: Sequence[str], fits: Callable[[Any, str], bool]) -> Mapping[str, Any] | None:
    """The course's key -> the student's for it, or None where the numbering cannot be read so:
    `fits(student_key, course_key)` says whether the student's parameter has that shape."""
    mine, ours = _by_kind(theirs), _by_kind(course)
    if mine is None or ours is None or set(mine) != set(ours) or any(len(mine[k]) != len(ours[k]) for k in ours):
        return None
    mapping = {c: s for kind in ours for (_, c), (_, s) in zip(ours[kind], mine[kind], strict=True)}
    return mapping if all(fits(s, c) for c, s in mapping.items()) else None
