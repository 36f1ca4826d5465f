"""A configurable model, checked one configuration at a time (FullyConnectedNet[plain], [dropout],
[batchnorm], [layernorm]): which configurations a gate's specs declare, and whether the student's
model does anything with a configuration's option.

A model that ignores its dropout option passes every check of its dropout configuration (its
backward agrees with its own forward), so the option's effect is measured: on the same parameters
and data, the student's loss with the option and in the baseline configuration (dropout off). Where
the course's loss differs between the two and the student's does not, on every such example seen,
the option changes nothing, and the configuration is not implemented.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
from gradgate.gates.spec import GateSpec

from .adapters import Adapter
from .examples import Example
from .guard import StudentError
from .numeric import rel_error
from .reference import Reference

# The course's loss must change by more than this (relative) for an example to show the option at
# work: with every hidden unit at 0, dropout changes nothing in anyone's model.
EXERCISED = 1e-3
MEASURED = 20  # examples the student's losses are compared on, at most: enough to say "every one"


def labels(specs: Sequence[GateSpec]) -> tuple[str | None, ...]:
    """The configurations an implementation matched to these alternatives is checked in, in the
    course's order; (None,) for a gate without configurations."""
    found: list[str] = []
    for spec in specs:
        found.extend(label for label in spec.configurations if label not in found)
    return tuple(found) or (None,)


def configure(specs: Sequence[GateSpec], label: str | None) -> tuple[GateSpec, ...]:
    """The alternatives that have this configuration, restricted to it."""
    if label is None:
        return tuple(specs)
    return tuple(s.configured(label) for s in specs if label in s.configurations)


def named(implementation: str, label: str | None) -> str:
    """How a configuration's result is named: `FullyConnectedNet[dropout]`."""
    return implementation if label is None else f"{implementation}[{label}]"


class OptionEffect:
    """Whether the student's model does anything with its configuration's option (see the module)."""

    def __init__(self, spec: GateSpec, adapter: Adapter, limit: float) -> None:
        self.spec = spec
        self.adapter = adapter
        self.limit = limit  # below this relative difference, two losses are the same
        config = spec.configurations.get(spec.configuration or "")
        self.active = config is not None and config.baseline is not None and bool(spec.references)
        self.changed = False
        self.unchanged = 0  # examples where the course's loss changed with the option and the student's did not
        self.words = ""  # the option, as the constructor's keyword arguments say it
        self.baseline = ""

    def observe(self, example: Example) -> None:
        """One example: two reference forwards, and, where the option matters there, two of the student's."""
        if not self.active or self.changed or self.unchanged >= MEASURED:
            return
        base_sizes = self.spec.baseline_sizes(example.sizes)
        option = self.spec.option(example.sizes)
        assert base_sizes is not None and option is not None
        kept = set(self.spec.present(base_sizes))
        base_values = {k: v for k, v in example.values.items() if k in kept}
        fn = next(iter(self.spec.references.values()))  # any variant: only whether the option matters
        course = Reference(self.spec, example.values, example.sizes, fn).out
        course_base = Reference(self.spec, base_values, base_sizes, fn).out
        if course.shape != course_base.shape or rel_error(course, course_base) <= EXERCISED:
            return
        try:
            mine = self._loss(example.fresh(), example.sizes)
            mine_base = self._loss(copy.deepcopy(base_values), base_sizes)
        except StudentError:
            return  # its own failure is reported by the battery, not here
        if mine.shape != mine_base.shape or rel_error(mine, mine_base) > self.limit:
            self.changed = True
            return
        self.unchanged += 1
        self.words, self.baseline = option.words, option.baseline

    def _loss(self, args: dict[str, Any], sizes: Any) -> np.ndarray:
        out, _ = self.adapter.forward(args, sizes)
        return np.asarray(out, dtype=np.float64)

    @property
    def ignored(self) -> str | None:
        """"dropout_keep_ratio=0.5 changes nothing", where the option changed nothing on every example
        that shows it at work; None where it did, or where no example showed it."""
        if self.changed or not self.unchanged:
            return None
        return f"{self.words} changes nothing"

    @property
    def evidence(self) -> str:
        where = "the example" if self.unchanged == 1 else f"each of {self.unchanged} examples"
        return f"the model's loss is the one with {self.baseline} on {where} where the course's loss changes with {self.words}"
