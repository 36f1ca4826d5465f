"""Load a student's file or folder and find implementations by the course's naming conventions.

- `NAME_forward` with `NAME_backward` (also `NAME_forward_naive` / `NAME_backward_naive`): a layer pair;
  an alternative backward beside it (`batchnorm_backward_alt`) is a layer pair of its own with the
  same forward; a student's own `NAME_forward_SUFFIX` pairs with `NAME_backward_SUFFIX`, else with
  `NAME_backward`
- a class with `forward` and `backward` methods: a gate class
- a class with a `loss` method: a model
- a class with `data` and `grad`, `backward()` and arithmetic dunders: a scalar autograd engine
  (micrograd's `Value`; checks.scalar_engine), whatever it is called
- a function whose name contains `loss`: a loss function
- `NAME` with `NAME_backward` and no `NAME_forward` (deeplearning.ai's `relu`, `relu_backward`): a
  layer pair
- every function, also: a plain function (`L_model_backward`), checked if the registry names it

Only objects defined in the student's own modules count (not names they imported). Modules are
imported under their own names with the folder first on sys.path, so sibling imports work, and are
removed from sys.modules afterwards, so the next target's `layers.py` is not mistaken for this one's.
A folder inside a package (a CS231n `cs231n/`, with `from .layers import *` and
`from ..layer_utils import *`) is imported as that package, from the folder above it.

Course-provided (staff) modules are not the student's work: they are not scanned, and only imported
when the student's code imports them; a missing or failing one gets a stand-in (`checks.staff`) and is
listed as not checked. A module that needs a package not installed here is listed as not checked,
not as the student's failure.

Whatever is found by these names and cannot be checked is listed in `Found.incomplete` with the
reason, never dropped: a forward or backward without its partner, code written for torch tensors or
needle (`checks.foreign`), a package whose __init__.py is only a stale Python 2 .pyc.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from gradgate.defaults import Timeout

from . import notebook
from .conventions import Convention, Era, is_staff
from .foreign import (
    NEEDLE, NEEDLE_OP_REASON, NO_TENSOR_REASON, TORCH_REASON, imports_torch,
    is_needle_core, is_nn_module, is_needle_op, is_tensor_op, numpy_backend, tensor_class, written_for,
)
from .guard import Guard, StudentAbort, StudentError
from .import_failures import broken, one_row_per_failing_package, standalone
from .module_files import course_parent, module_files
from .results import Unchecked, UncheckedKind
from .value_class import inherits_engine, looks_like_scalar_engine, scalar_methods
from .staff import staff_fallback
from .mytorch import AUTOGRAD_REASON, OLD_HANDOUT_REASON, course_paths, is_autograd, is_old_handout, is_stateful, mark_eras

NAMESPACE = "the notebook's namespace"  # the source of what a kernel defined (no file)

class LoadError(Exception):
    """The target as a whole cannot be loaded (missing path, or its only file does not import)."""


@dataclass
class Candidate:
    name: str  # the gate name it would match: affine, MultiplyGate, svm_loss
    convention: Convention
    objects: tuple[Any, ...]
    label: str  # as the student wrote it: affine_forward, MultiplyGate
    source: str
    # The parameter names of the forward function or class constructor ("**" for **kwargs), read at
    # discovery: they pick between registry entries of one name (assignment 1 and 2's TwoLayerNet).
    parameters: tuple[str, ...] | None = None
    cell: dict[str, Any] | None = None  # in a notebook: {"index", "execution_count", "line"} of its definition
    # (fewest, most) positional arguments the forward function takes, most None for *args; fewest >
    # most when it cannot be called positionally at all (a required keyword-only parameter).
    arity: tuple[int, int | None] | None = None
    # a scalar engine's class: which of conventions.SCALAR_METHODS it defines, as it spells them, and
    # the other operations it builds a graph node in (read at discovery, so that an entry calling one
    # it lacks, and an operation no entry checks, are listed as not checked, also from the sandbox)
    methods: tuple[str, ...] | None = None
    # written for torch tensors (checks.foreign): matched only to entries of the tensor convention
    # (GateSpec.tensors), listed as not checked where there is none
    tensors: bool = False
    # its module imports torch, though its own code runs on numpy arrays as well (EECS 498's Linear
    # written with @, reshape and sum(0)): checked on tensors where the registry's entry is torch's
    torch_module: bool = False
    # a MyTorch class: the course year its package's activations show (checks.stateful), None for unknown
    era: Era | None = None


@dataclass
class Found:
    candidates: list[Candidate] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)  # (file, why it did not import)
    incomplete: list[Unchecked] = field(default_factory=list)  # found, or in the way, and not checked
    roots: tuple[Path, ...] = ()


def _notebook(path: Path, name: str, guard: Guard, found: Found, target: Path) -> None:
    """A notebook's definitions (checks.notebook), its candidates located by cell."""
    try:
        loaded = notebook.load(path, name, guard)
    except notebook.NotebookError as exc:
        if target.is_file():
            raise LoadError(str(exc)) from None
        found.broken.append((str(path), str(exc)))
        return
    for at, why in loaded.broken:
        found.broken.append((str(path), why if at in why else f"{why} (at {at})"))
    for at, why in loaded.newer:
        found.incomplete.append(Unchecked(path.stem, str(path), why, UncheckedKind.MODULE))
    for module in loaded.missing:
        if is_staff(module):
            why = f"course helper {module!r} is not beside {path.name}: the definitions that call it are not checked"
            found.incomplete.append(Unchecked(module, str(path), why, UncheckedKind.COURSE_FILE))
        else:
            own = next(iter(sorted(path.parent.rglob(f"{module.replace('.', '/')}.py"))), None)
            if own is not None:  # a folder of its own the notebook puts on sys.path (10-714's `sys.path.append("./src")`)
                why = (f"the module {module!r} is {own.relative_to(path.parent)} here, not beside the notebook: that file is "
                       "checked on its own, and the notebook's definitions that call it are not checked")  # fmt: skip
            else:
                why = f"the module {module!r} is not installed here: the definitions that call it are not checked"
            found.incomplete.append(Unchecked(module, str(path), why, UncheckedKind.MODULE))
    start = len(found.candidates)
    _candidates(loaded.module, str(path), found)
    for cand in found.candidates[start:]:
        line = loaded.lines.get(cand.label) or loaded.lines.get(getattr(cand.objects[0], "__name__", ""))
        cand.cell = notebook.cell_of(str(path), line) if line else None


def _defined_in(module: ModuleType) -> dict[str, Any]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module.__name__
    }


def arity(obj: Any) -> tuple[int, int | None] | None:
    """(fewest, most) positional arguments a function takes (most None for *args); (1, 0), which no
    count fits, when a keyword-only parameter without a default makes a positional call impossible."""
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params):
        return (1, 0)
    most = None if any(p.kind is p.VAR_POSITIONAL for p in params) else len(positional)
    return (sum(p.default is p.empty for p in positional), most)


def parameters(obj: Any) -> tuple[str, ...] | None:
    """The parameter names of a function or class constructor, "**" for a **kwargs."""
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    return tuple("**" if p.kind is p.VAR_KEYWORD else p.name for p in params)


def _pairs(objs: dict[str, Any]) -> Iterator[tuple[str, str, str | None, str]]:
    """(gate, forward, backward or None, label) for every forward function by the layer-pair names:
    `NAME_forward` with `NAME_backward`, and with each alternative backward beside it
    (`batchnorm_backward_alt`) unless a forward of the same suffix is there to pair with it;
    `NAME_forward_naive` with `NAME_backward_naive`; `NAME_forward_SUFFIX` (a student's own
    `batchnorm_forward_alt`) with `NAME_backward_SUFFIX`, else with `NAME_backward`."""
    functions = [n for n, o in objs.items() if inspect.isfunction(o)]  # in definition order
    for name in functions:
        if "_forward" not in name and "_backward" not in name and f"{name}_backward" in functions \
                and f"{name}_forward" not in functions:
            yield name, name, f"{name}_backward", name  # deeplearning.ai's relu(Z) beside relu_backward(dA, cache)
            continue
        gate, found, suffix = name.partition("_forward")
        if not (gate and found) or (suffix and not suffix.startswith("_")) or "_backward" in suffix:
            continue
        if suffix in ("", "_naive"):
            partner = f"{gate}_backward{suffix}"
            alternatives = sorted(
                n for n in functions
                if not suffix and n.startswith(partner + "_") and not n.endswith("_naive")
                and f"{gate}_forward{n[len(partner):]}" not in functions
            )
            backwards = ([partner] if partner in functions else []) + alternatives
            for backward in backwards:
                yield gate, name, backward, name if backward == partner else backward
            if not backwards:
                yield gate, name, None, f"no {partner} next to it"
        else:
            own, plain = f"{gate}_backward{suffix}", f"{gate}_backward"
            backward = own if own in functions else plain if plain in functions else None
            yield gate, name, backward, name if backward else f"no {own} or {plain} next to it"


def _static_pair(cls: type) -> bool:
    """A class whose `forward` and `backward` are static (or class) methods: a layer pair in a class
    (UMich EECS 498's `Linear.forward(x, w, b) -> (out, cache)`, `Linear.backward(dout, cache)`)."""
    try:
        return all(isinstance(inspect.getattr_static(cls, m, None), (staticmethod, classmethod)) for m in ("forward", "backward"))
    except Exception:  # a class whose attributes cannot be read: not one
        return False


def _candidates(module: ModuleType, source: str, found: Found) -> None:
    objs = _defined_in(module)
    start = len(found.candidates)

    def add(cand: Candidate) -> None:
        why = written_for(module, cand.objects)
        if why == TORCH_REASON:  # checked if the registry has a tensor entry of its name (matching.match)
            cand.tensors = True
            found.candidates.append(cand)
        elif why:
            found.incomplete.append(Unchecked(cand.label, source, why))
        else:
            cand.torch_module = imports_torch(module)
            found.candidates.append(cand)

    def lone(name: str, why: str) -> None:  # found by the course's names, not checkable as it is
        found.incomplete.append(Unchecked(name, source, written_for(module, (objs[name],)) or why))

    pairs: dict[str, list[tuple[str, str | None, str]]] = {}
    used: set[str] = set()
    for gate, forward, backward, label in _pairs(objs):
        pairs.setdefault(forward, []).append((gate, backward, label))
        used.update(n for n in (forward, backward) if n)
    # needle code (CMU 10-714): its TensorOps are checked (checks.tensor_op); the course's autograd
    # core and the op's helper functions (`add`, `relu`) are not implementations
    needle = any(is_tensor_op(o) for o in objs.values()) or module.__name__.partition(".")[0] == NEEDLE
    for name, obj in objs.items():
        if needle and inspect.isclass(obj):
            if is_tensor_op(obj) and tensor_class(obj, None) is None:
                found.incomplete.append(Unchecked(name, source, NO_TENSOR_REASON))
            elif is_tensor_op(obj):
                found.candidates.append(Candidate(name, Convention.TENSOR_OP, (obj,), name, source))
            elif is_nn_module(obj):  # hw2's modules: through needle's autograd (checks.nn_module)
                found.candidates.append(Candidate(name, Convention.NN_MODULE, (obj,), name, source))
            if is_tensor_op(obj) or is_nn_module(obj) or is_needle_core(obj):
                continue
        if needle and inspect.isfunction(obj):
            continue
        # Every function is also a plain function: an implementation if the registry names it
        # (DLS's L_model_forward and L_model_backward, though they look like a pair `L_model`).
        if inspect.isfunction(obj):
            foreign = written_for(module, (obj,))
            if not foreign or foreign == TORCH_REASON:  # torch code: checked if a tensor entry names it
                found.candidates.append(Candidate(name, Convention.FUNCTIONS, (obj,), name, source, tensors=bool(foreign),
                                                  torch_module=not foreign and imports_torch(module)))  # fmt: skip
        if inspect.isclass(obj):
            if is_needle_op(obj):
                found.incomplete.append(Unchecked(name, source, NEEDLE_OP_REASON))
            elif (_static_pair(obj) or looks_like_scalar_engine(obj)) and is_autograd(obj, module):
                found.incomplete.append(Unchecked(name, source, AUTOGRAD_REASON))
            elif is_old_handout(obj, module):
                found.incomplete.append(Unchecked(name, source, OLD_HANDOUT_REASON))
            elif _static_pair(obj):  # EECS 498's Linear: static forward -> (out, cache), backward(dout, cache)
                add(Candidate(name, Convention.LAYER_PAIR, (obj.forward, obj.backward), name, source))
            elif callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward", None)):
                kind = Convention.STATEFUL if is_stateful(obj, module) else Convention.GATE_CLASS
                add(Candidate(name, kind, (obj,), name, source))
            elif callable(getattr(obj, "loss", None)):
                add(Candidate(name, Convention.MODEL, (obj,), name, source))
            elif looks_like_scalar_engine(obj) and not inherits_engine(obj, methods := scalar_methods(obj)):
                add(Candidate(name, Convention.SCALAR_ENGINE, (obj,), name, source, methods=methods))
        elif name in pairs:
            for gate, backward, label in pairs[name]:
                if backward is None:
                    lone(name, label)
                else:
                    add(Candidate(gate, Convention.LAYER_PAIR, (obj, objs[backward]), label, source))
        elif name in used:
            continue
        elif "_forward" in name and "_backward" in name:  # nn_forward_backward: both in one function
            lone(name, "not checked: a forward and its backward in one function is not a layer pair (NAME_forward, NAME_backward)")
        elif "_backward" in name and name.partition("_backward")[0]:
            # a backward the course's names pair with no forward here: said, never silently skipped
            gate, _, suffix = name.partition("_backward")
            lone(name, f"no {gate}_forward{suffix if suffix == '_naive' else ''} next to it")
        elif "loss" in name:
            add(Candidate(name, Convention.LOSS_FUNCTION, (obj,), name, source))
    for cand in found.candidates[start:]:
        cand.parameters = parameters(cand.objects[0])
        cand.arity = arity(cand.objects[0]) if cand.convention in (Convention.LAYER_PAIR, Convention.LOSS_FUNCTION, Convention.FUNCTIONS) else None


def discover(target: Path, timeout: Timeout = None) -> Found:
    """Import the target's modules and find candidates. Raises LoadError if nothing can be loaded."""
    if not target.exists():
        raise LoadError(f"{target} does not exist")
    if target.is_file() and target.suffix not in (".py", ".ipynb"):
        raise LoadError(f"{target} is not a .py file, a notebook (.ipynb) or a folder")
    needles: dict[Path, Path] = {}
    root, files = module_files(target, needles)
    below = sorted(set(needles.values()))
    # each folder's own parent where its files import needle through the folder's name (read once:
    # it scans the folder's files)
    parents = {place: course_parent(place) for place in (root, *below)}
    above = list(dict.fromkeys(p for place in (root, *below) for p in parents[place] if p != root))
    found = Found(roots=(root.resolve(), *(b.resolve() for b in below), *(a.resolve() for a in above)))
    guard = Guard(timeout, found.roots)
    # A needle package below the target (hw1/python/needle) is imported as `needle` from its folder;
    # with one, the target's other modules (its apps) import it too; with several (a repository's
    # hw1/, hw2/, ...) each is loaded on its own, the others' modules without any.
    groups = [(b, [(n, p) for n, p in files if needles.get(p) == b]) for b in below]
    rest = [(n, p) for n, p in files if p not in needles]
    with contextlib.ExitStack() as stack:
        if any(name.partition(".")[0] == NEEDLE for name, _ in files) or below:
            stack.enter_context(numpy_backend())
        for place, group in groups if len(groups) > 1 else ():
            with _own_modules([place, *parents[place]], {NEEDLE, place.name}):
                _load(target, group, guard, found, place)
        shared = below if len(groups) == 1 else []
        tops = {name.partition(".")[0] for name, _ in files} | {a.name for a in above}
        with _own_modules([root, *shared, *above], tops):
            _load(target, rest + (groups[0][1] if shared else []), guard, found, root)
    mark_eras(found.candidates, Convention.STATEFUL)
    if target.is_file() and target.suffix == ".py" and found.broken:
        raise LoadError(f"{target} cannot be imported: {found.broken[0][1]}")
    if not files:
        raise LoadError(f"{target} holds no Python files or notebooks")
    return found


@contextlib.contextmanager
def _own_modules(roots: list[Path] | Path, tops: set[str]) -> Iterator[None]:
    """Import the target's modules as its own: a `cs231n` (or `layers`) already imported from
    elsewhere (an earlier target, a notebook kernel's own import) is set aside while loading and put
    back afterwards, and what was loaded from `root` (namespace packages, without __file__, too) is
    removed, so the next target's `layers.py` is not mistaken for this one's."""
    folders = [r.resolve() for r in ([roots] if isinstance(roots, Path) else roots)]

    def ours(module: ModuleType) -> bool:
        try:  # any module may be in sys.modules: torch.classes' __path__ is not a list of folders
            places = [getattr(module, "__file__", None) or "", *list(getattr(module, "__path__", None) or [])]
            return any(isinstance(place, str) and place and any(r in Path(place).resolve().parents for r in folders) for place in places)
        except (TypeError, KeyError, OSError):
            return False

    aside = {
        name: module for name, module in list(sys.modules.items())
        if name.partition(".")[0] in tops and module is not None and not ours(module)
    }
    for name in aside:
        del sys.modules[name]
    before = set(sys.modules)
    for folder in reversed(folders):
        sys.path.insert(0, str(folder))
    course = [p for p in course_paths(folders[0]) if p not in sys.path]  # CMU 11-785's runner appends these
    sys.path.extend(course)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        for folder in folders:
            sys.path.remove(str(folder))
        for p in course:
            sys.path.remove(p)
        # decided for all before any is removed: a namespace package's path is recomputed from its parent
        for name in [name for name in set(sys.modules) - before if ours(sys.modules[name])]:
            del sys.modules[name]
        sys.modules.update(aside)


def _load(target: Path, files: list[tuple[str, Path]], guard: Guard, found: Found, root: Path) -> None:
    """Import each of `files` (notebooks as their definitions) and collect its candidates."""
    failed: dict[str, tuple[str, Path]] = {}  # package -> why its __init__.py cannot be imported, and the file that raised
    with staff_fallback(root) as fallback:
        for name, path in files:
            # a notebook is the student's even when named as a course module (CS231n's features.ipynb
            # beside features.py), but not a course's autograder notebook (11-785's hw1p1_autograder.ipynb)
            if is_staff(name) or (path.suffix == ".ipynb" and is_staff(path.stem) and "autograder" in path.stem):
                continue  # course-provided (11-785's hw1p1_autograder.ipynb too): imported only if the student's code imports it
            if path.suffix == ".ipynb":
                _notebook(path, name, guard, found, target)
                continue
            try:
                module = guard.call(importlib.import_module, name)
            except (StudentError, StudentAbort) as exc:
                in_failed = path.name != "__init__.py" and any(name.startswith(f"{p}.") for p in failed)
                alone = standalone(path, guard) if in_failed else None
                if alone is None:
                    if path.name == "__init__.py":
                        failed[name] = (str(exc), Path(getattr(exc, "file", None) or path))
                    broken(exc, name, path, files, found, fallback.stand_ins)
                    continue
                module = alone
            _candidates(module, str(path), found)
        one_row_per_failing_package(failed, found, target)
        for name, (where, reason) in fallback.stand_ins.items():
            found.incomplete.append(
                Unchecked(name, where, f"course-provided module, not checked: it {reason}", UncheckedKind.COURSE_FILE)
            )
        for name, (where, reason) in fallback.stale.items():
            found.incomplete.append(Unchecked(name, where, reason, UncheckedKind.MODULE))


def in_namespace(namespace: dict[str, Any], module: str = "__main__", names: tuple[str, ...] = ()) -> Found:
    """Candidates among the objects a namespace defines itself (a Jupyter kernel's globals: their
    `__module__` is `module`); with `names`, only those whose label or objects carry one of them
    (`affine_forward` brings its pair)."""
    found = Found()
    scope = ModuleType(module)
    scope.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("_")})
    _candidates(scope, NAMESPACE, found)
    mark_eras(found.candidates, Convention.STATEFUL)
    if names:
        wanted = set(names)
        found.candidates = [
            c for c in found.candidates
            if c.label in wanted or c.name in wanted or wanted & {getattr(o, "__name__", "") for o in c.objects}
        ]
        found.incomplete = [u for u in found.incomplete if u.name in wanted]
    return found
