"""gradgate: checks hand-written backpropagation against finite differences and PyTorch autograd."""

from __future__ import annotations

__version__ = "0.1.0"


def load_notebook(path: str) -> object:
    """The definitions of a notebook as gradgate reads them (imports, functions, classes and plain
    constants of its code cells, in order; nothing else is run), as a module: what a reproduction
    snippet of a notebook's failure imports."""
    from pathlib import Path

    from gradgate.checks.guard import Guard
    from gradgate.checks.notebook import load

    notebook = Path(path).resolve()
    return load(notebook, f"{notebook.stem.replace(' ', '_')}_ipynb", Guard(None, (notebook.parent,))).module


def check_namespace(namespace: dict, names: tuple[str, ...] = (), **options: object) -> object:
    """Check the definitions of a notebook's namespace: `gradgate.check_namespace(globals())`
    (see gradgate.namespace)."""
    from gradgate.namespace import check_namespace as check

    return check(namespace, names, **options)  # type: ignore[arg-type]


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext gradgate`: the `%gradgate` magic (gradgate.namespace)."""
    from gradgate.namespace import load_ipython_extension as load

    load(ipython)
