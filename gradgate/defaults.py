"""The defaults the front ends share (`gradgate check`, `gradgate grade`, the pytest plugin), in a
module that imports nothing: the command line's --help and argument errors, and every pytest
session in an environment with gradgate installed, read them without loading torch or hypothesis."""

from __future__ import annotations

DEFAULT_EXAMPLES = 100  # examples per implementation
DEFAULT_TIMEOUT = 60.0  # seconds a single call into student code may take
DEFAULT_SEED = 0  # grading repeats exactly even when nobody wrote the seed down
DEFAULT_MEMORY_MB = 2048  # address space of a grading sandbox
