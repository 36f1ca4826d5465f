"""The defaults the front ends share (`gradgate check`, `gradgate grade`, the pytest plugin), in a
module that imports nothing heavy: the command line's --help and argument errors, and every pytest
session in an environment with gradgate installed, read them without loading torch or hypothesis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

DEFAULT_EXAMPLES = 100  # examples per implementation
DEFAULT_SEED = 0  # grading repeats exactly even when nobody wrote the seed down
DEFAULT_MEMORY_MB = 2048  # address space of a grading sandbox


@dataclass(frozen=True)
class Adaptive:
    """The default time limit of a call into student code: a multiple of the course reference's own
    time on the same input, never under `floor` seconds (a student's loops are rightly slower than
    torch, and a loaded machine slower still) nor over `ceiling`. A hang then costs seconds on a
    small gate instead of a minute, while a large model keeps the time it needs."""

    floor: float = 5.0
    multiple: float = 1000.0
    ceiling: float = 60.0

    def seconds(self, reference: float | None) -> float:
        """The limit for an input the reference took `reference` seconds on (None: not measured)."""
        if reference is None:
            return self.ceiling
        return min(self.ceiling, max(self.floor, self.multiple * reference))

    def describe(self) -> str:
        return f"{self.multiple:g}x the reference's time on the same input, at least {self.floor:g} s, at most {self.ceiling:g} s"

    def to_json(self) -> dict[str, float]:
        return {"floor": self.floor, "multiple": self.multiple, "ceiling": self.ceiling}


# seconds a call into student code may take: a fixed number (--timeout S), adaptive, or no limit
Timeout = Union[float, Adaptive, None]
DEFAULT_TIMEOUT: Timeout = Adaptive()


def loading(timeout: Timeout) -> float | None:
    """The limit for what no reference can time: importing the student's module, building a model."""
    return timeout.ceiling if isinstance(timeout, Adaptive) else timeout


def timeout_text(timeout: Timeout) -> str:
    """How a limit reads in help, headers and messages."""
    if isinstance(timeout, Adaptive):
        return timeout.describe()
    return "no limit" if timeout is None else f"{timeout:g} s"


def timeout_json(timeout: Timeout) -> float | dict[str, float] | None:
    return timeout.to_json() if isinstance(timeout, Adaptive) else timeout
