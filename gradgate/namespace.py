"""Checking from inside Jupyter: `%load_ext gradgate`, `%gradgate [names]`, `check_namespace(globals())`.

The kernel's own definitions (functions and classes whose `__module__` is `__main__`) are matched to
the registry like a file's; the answer is a `NamespaceReport` that renders as the HTML report (summary
and failing sections) in the notebook, and as the terminal's lines in a console. torch and the
registry load once per kernel: a second check in the same kernel pays only for the checks.
"""

from __future__ import annotations

import argparse
import html as html_escape
import random
import shlex
import time
from collections.abc import Mapping, Sequence
from typing import Any

from gradgate.checks.discover import in_namespace
from gradgate.checks.engine import DEFAULT_EXAMPLES, Options, check_found
from gradgate.defaults import DEFAULT_TIMEOUT, Timeout
from gradgate.checks.results import RunReport

FRAME_HEIGHT = 640  # pixels of the inline report; it scrolls beyond


class NamespaceReport:
    """The run's report, displayed by Jupyter (`_repr_html_`) or printed (`str`)."""

    def __init__(self, report: RunReport) -> None:
        self.report = report

    @property
    def ok(self) -> bool:
        return self.report.ok

    def __str__(self) -> str:
        from gradgate import terminal

        lines = [terminal.header(self.report)]
        for r in self.report.results:
            lines.extend(terminal.implementation_lines(r))
        lines.extend(terminal.footer(self.report))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        # The report page in a frame of its own: its styles and script stay out of the notebook's.
        from gradgate import jsonreport
        from gradgate import report as htmlreport

        page = htmlreport.render(jsonreport.to_dict(self.report, self.report.target))
        return (
            f'<iframe class="gradgate-report" title="gradgate report" sandbox="allow-scripts" '
            f'style="width:100%;height:{FRAME_HEIGHT}px;border:1px solid #ddd" '
            f'srcdoc="{html_escape.escape(page, quote=True)}"></iframe>'
        )


def check_namespace(
    namespace: Mapping[str, Any],
    names: Sequence[str] = (),
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> NamespaceReport:
    """Check every definition in `namespace` (a notebook's `globals()`) that follows a known
    convention, or only those in `names` (`affine_forward` brings `affine_backward` with it)."""
    started = time.perf_counter()
    seed = seed if seed is not None else random.randrange(2**32)
    module = str(namespace.get("__name__", "__main__"))
    found = in_namespace(dict(namespace), module, tuple(names))
    target = "notebook: " + (", ".join(names) if names else "every definition")
    report = RunReport(target=target, seed=seed, examples=examples, error=None)
    check_found(report, found, Options(examples=examples, seed=seed, timeout=timeout))
    report.seconds = time.perf_counter() - started
    return NamespaceReport(report)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%gradgate", add_help=False)
    parser.add_argument("names", nargs="*")
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    return parser


def magic(line: str, namespace: Mapping[str, Any]) -> NamespaceReport | str:
    """`%gradgate [NAME ...] [--examples N] [--seed N] [--timeout S]`."""
    try:
        args = _parser().parse_args(shlex.split(line))
    except SystemExit:  # argparse's way of saying the line is wrong: a message, not a dead kernel
        return "usage: %gradgate [NAME ...] [--examples N] [--seed N] [--timeout S]"
    return check_namespace(namespace, args.names, examples=args.examples, seed=args.seed, timeout=args.timeout)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext gradgate` registers the `%gradgate` line magic on the kernel's namespace."""

    def gradgate_magic(line: str) -> NamespaceReport | str:
        return magic(line, ipython.user_ns)

    ipython.register_magic_function(gradgate_magic, "line", "gradgate")
