"""Course-provided (staff) modules in a student's folder: imported only when the student's code
imports them, and when one is missing or cannot be imported (an uncompiled im2col_cython, Python 2
staff code, a fast_layers left out of a submission) the student's modules still load.

While `staff_fallback(root)` is active, importing a staff module (by name, `conventions.STAFF_MODULES`)
tries the real file first; if there is none, or it raises, the import gets a stand-in module whose
functions raise `StaffUnavailable` when called. A composite that calls `conv_forward_fast` from a
stand-in is then reported as not checked, with the reason, instead of failing the student. Without
the `future` package, `past.builtins` (which old course files import for xrange) is provided too.
"""

from __future__ import annotations

import builtins
import contextlib
import math
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from . import course_layers, dls_helpers
from .conventions import STAFF_API, STAND_IN_PACKAGES, is_staff, release
from .guard import StaffUnavailable, describe

# What the `future` package's past.builtins gives old course code, in Python 3 terms.
_PAST_BUILTINS = {
    "xrange": range,
    "raw_input": builtins.input,
    "unicode": str,
    "basestring": str,
    "long": int,
    "unichr": chr,
    "reduce": functools.reduce,
}
_TOP_LEVEL = re.compile(r"^(?:def|class)\s+([A-Za-z]\w*)|^([A-Za-z]\w*)\s*=", re.MULTILINE)


def _placeholder(module: str, name: str, reason: str, owner: str = "course-provided ") -> Callable[..., Any]:
    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise StaffUnavailable(f"calls {name} from {owner}{module}, which {reason}")

    unavailable.__name__ = unavailable.__qualname__ = name
    unavailable.__module__ = module
    return unavailable


def _names(origin: str | None, module: str) -> list[str]:
    """Top-level names of a staff file (read as text: it may not even parse), else the known API."""
    if origin:
        try:
            text = Path(origin).read_text(errors="replace")
        except OSError:
            text = ""
        found = [a or b for a, b in _TOP_LEVEL.findall(text)]
        if found:
            return found
    return list(STAFF_API.get(module.rpartition(".")[2], ()))


@dataclass
class Fallback:
    """The stand-ins made while active: module name -> (file or expected location, why); and the
    packages imported as empty ones because only a stale __init__.pyc stands for their __init__.py."""

    root: Path
    stand_ins: dict[str, tuple[str, str]] = field(default_factory=dict)
    stale: dict[str, tuple[str, str]] = field(default_factory=dict)


class _Loader(importlib.abc.Loader):
    def __init__(self, real: importlib.machinery.ModuleSpec | None, fallback: Fallback) -> None:
        self.real = real
        self.fallback = fallback

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        name = module.__name__
        real = self.real
        if real is not None and real.loader is not None:
            module.__file__ = real.origin
            try:
                if isinstance(real.loader, importlib.machinery.ExtensionFileLoader):
                    built = real.loader.create_module(real)
                    real.loader.exec_module(built)
                    module.__dict__.update({k: v for k, v in vars(built).items() if not k.startswith("__")})
                else:
                    real.loader.exec_module(module)
                return
            except StaffUnavailable:
                raise
            except Exception as exc:
                reason = f"cannot be imported here ({describe(exc, (self.fallback.root,))})"
        else:
            reason = "is missing here"
            if name.rpartition(".")[2] == "im2col_cython":
                reason += " (compile it: python setup.py build_ext --inplace)"
        where = real.origin if real is not None and real.origin else str(self.fallback.root / name.replace(".", "/"))
        working = dls_helpers.HELPERS.get(release(name), {})
        if working:  # deeplearning.ai's helpers: gradgate's own of the functions graded code calls
            module.__dict__.update(working)
            reason += f"; gradgate's own {', '.join(working)} stand in for the course's"
        self.fallback.stand_ins[name] = (str(where), reason)
        for attr in _names(real.origin if real else None, name):
            module.__dict__.setdefault(attr, _placeholder(name, attr, reason))

        def __getattr__(attr: str) -> Any:  # `from staff import anything` gets a stand-in too
            if attr.startswith("__"):
                raise AttributeError(attr)
            return _placeholder(name, attr, reason)

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _PastLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        if module.__name__ == "past":
            module.__path__ = []  # a package, so that past.builtins resolves
        else:
            module.__dict__.update(_PAST_BUILTINS)


REPLACED = "is replaced by gradgate's numpy version of its functions (same results, no compiled extension)"


class _CourseLayersLoader(importlib.abc.Loader):
    """fast_layers, whatever the submission holds: gradgate's working equivalent (checks.course_layers)."""

    def __init__(self, fallback: Fallback, where: str) -> None:
        self.fallback = fallback
        self.where = where

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__.update(course_layers.FAST_LAYERS)
        self.fallback.stand_ins[module.__name__] = (self.where, REPLACED)


def _erf(x: Any) -> Any:
    """scipy.special.erf, elementwise, as the C library's erf (to the last bit scipy's gives)."""
    out = np.vectorize(math.erf, otypes=[np.float64])(np.asarray(x, dtype=np.float64))
    return out[()] if out.ndim == 0 else out


# What a student's checked code takes from a stand-in package, supplied with the same maths, so that
# it is still checked: CMU 11-785's GELU is 0.5 Z (1 + erf(Z / sqrt 2)) with scipy's erf.
SUBSTITUTES: dict[str, Callable[..., Any]] = {"scipy.special.erf": _erf}


class _DisplayLoader(importlib.abc.Loader):
    """A package of STAND_IN_PACKAGES that is not installed (matplotlib, scipy): importable, and any
    use of it is a stand-in."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        name = module.__name__
        module.__path__ = []  # a package, so that matplotlib.pyplot resolves
        why = f"is not installed here ({STAND_IN_PACKAGES[name.partition('.')[0]]})"

        def __getattr__(attr: str) -> Any:
            if attr.startswith("__"):
                raise AttributeError(attr)
            return SUBSTITUTES.get(f"{name}.{attr}") or _Missing(name, attr, why)

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _Missing:
    """A name of a package that is not installed: calling it is a stand-in's call, and so is any
    name reached through it (`scipy.special.erf` after a bare `import scipy`)."""

    def __init__(self, module: str, name: str, why: str) -> None:
        self._module, self._name, self._why = module, name, why

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise StaffUnavailable(f"calls {self._name} from {self._module}, which {self._why}")

    def __getitem__(self, key: Any) -> Any:  # plt.rcParams["figure.figsize"]: a stand-in too
        return _Missing(self._module, f"{self._name}[{key!r}]", self._why)

    def __setitem__(self, key: Any, value: Any) -> None:  # plt.rcParams[...] = ...: a setting of what is not here
        pass

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        here = f"{self._module}.{self._name}"
        return SUBSTITUTES.get(f"{here}.{attr}") or _Missing(here, attr, self._why)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, fallback: Fallback) -> None:
        self.fallback = fallback
        self.root = fallback.root.resolve()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in ("past", "past.builtins"):
            if importlib.machinery.PathFinder.find_spec(fullname, path) is not None:
                return None  # the real `future` package is installed
            return importlib.util.spec_from_loader(fullname, _PastLoader(), is_package=fullname == "past")
        top = fullname.partition(".")[0]
        if top in STAND_IN_PACKAGES:
            if importlib.machinery.PathFinder.find_spec(top) is not None:
                return None  # installed: the real one, submodules included
            return importlib.util.spec_from_loader(fullname, _DisplayLoader(), is_package=True)
        if not is_staff(fullname):
            return self._stale_package(fullname, path)
        real = importlib.machinery.PathFinder.find_spec(fullname, path)
        if real is not None and (real.origin is None or self.root not in Path(real.origin).resolve().parents):
            return None  # not the course's file in this folder (an installed package of that name)
        if fullname.rpartition(".")[2] == "fast_layers":
            where = real.origin if real is not None and real.origin else str(self.root / fullname.replace(".", "/"))
            return importlib.util.spec_from_loader(fullname, _CourseLayersLoader(self.fallback, str(where)))
        spec = importlib.util.spec_from_loader(fullname, _Loader(real, self.fallback), origin=real.origin if real else None)
        if spec is not None and real is not None:
            spec.has_location = True
        return spec


    def _stale_package(self, fullname: str, path: Any) -> importlib.machinery.ModuleSpec | None:
        """A folder of the target whose __init__.py is missing but whose Python 2 __init__.pyc was
        committed: Python 3 would load the .pyc and fail on its magic number. Imported as an empty
        package instead (its modules are the student's), and said so."""
        real = importlib.machinery.PathFinder.find_spec(fullname, path)
        if real is None or not isinstance(real.loader, importlib.machinery.SourcelessFileLoader) or not real.origin:
            return None
        origin = Path(real.origin)
        if origin.name != "__init__.pyc" or self.root not in origin.resolve().parents:
            return None
        if origin.read_bytes()[:4] == importlib.util.MAGIC_NUMBER:
            return None  # this Python's own bytecode: it loads
        folder = str(origin.parent)
        self.fallback.stale[fullname] = (folder, (
            f"not checked as written: {fullname} has no __init__.py, only a stale __init__.pyc compiled by another "
            "Python version; imported as an empty package (add the __init__.py, or delete the .pyc files)"
        ))
        spec = importlib.machinery.ModuleSpec(fullname, _EmptyLoader(), is_package=True)
        spec.submodule_search_locations = [folder]
        return spec


class _EmptyLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        pass


class _Shell:
    """What `get_ipython()` gives a notebook exported with `jupyter nbconvert --to script` outside
    Jupyter: its magics (`run_line_magic('matplotlib', 'inline')`, `system('pip ...')`) do nothing."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return lambda *args, **kwargs: None


def _shell() -> _Shell:
    return _Shell()


@contextlib.contextmanager
def staff_fallback(root: Path) -> Iterator[Fallback]:
    """Stand-ins for missing or failing course-provided modules while importing from `root`, and a
    `get_ipython` for scripts exported from notebooks."""
    fallback = Fallback(root)
    finder = _Finder(fallback)
    sys.meta_path.insert(0, finder)
    shell = not hasattr(builtins, "get_ipython")  # inside Jupyter (the %gradgate magic) the real one stays
    if shell:
        builtins.get_ipython = _shell  # type: ignore[attr-defined]
    try:
        yield fallback
    finally:
        if shell and getattr(builtins, "get_ipython", None) is _shell:
            del builtins.get_ipython  # type: ignore[attr-defined]
        sys.meta_path.remove(finder)
        for name in [*fallback.stand_ins, *fallback.stale]:
            sys.modules.pop(name, None)
        for name, module in list(sys.modules.items()):
            if isinstance(getattr(getattr(module, "__spec__", None), "loader", None), (_PastLoader, _DisplayLoader)):
                del sys.modules[name]
