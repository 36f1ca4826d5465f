"""`gradgate check PATH`, `gradgate report RESULTS.json` and `gradgate list`: a thin front end over
`gradgate.checks.engine.run`.

`check` writes reports/<target name>.json and .html under the current directory unless told otherwise
(--json FILE, --html FILE, --no-report); `report` renders the HTML again from a saved JSON.

Exit codes: 0 every implementation passed, 1 any failed or errored, 2 the target could not be loaded
or the arguments are wrong, 5 nothing was checked (as pytest's "no tests collected").
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from gradgate.defaults import DEFAULT_EXAMPLES, DEFAULT_TIMEOUT, timeout_text

# Only what parsing the arguments needs is imported here: --version, --help, `list` and argument
# errors answer without loading torch or hypothesis (the engine's cost, over a second); each command
# imports what it runs.

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE, EXIT_NOTHING_CHECKED = 0, 1, 2, 5
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports a SIGINT


def _whole(text: str, least: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _whole(text, 1, "at least 1")


def _count(text: str) -> int:
    return _whole(text, 0, "0 or more")


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected 0 <= seed < 2**32, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected more than 0 seconds, got {text}")
    return value


def _version() -> str:
    """The installed distribution's version (what pip shows), else the package's own."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gradgate")
    except PackageNotFoundError:
        from gradgate import __version__

        return __version__


class _Version(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata costs every other run 15 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"gradgate {_version()}")  # on stdout, as argparse's own version action
        parser.exit()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gradgate", description="Check hand-written backpropagation.")
    p.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = p.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check a student's .py file or folder against the registry")
    check.add_argument("path", type=Path, help="a .py file or a folder")
    check.add_argument("--json", type=Path, metavar="FILE",
                       help="write the gradgate.report/1 JSON here (default reports/<target name>.json)")
    check.add_argument("--html", type=Path, metavar="FILE",
                       help="write the HTML report here (default reports/<target name>.html)")
    check.add_argument("--no-report", action="store_true", help="write neither the JSON nor the HTML report")
    check.add_argument("--examples", type=_positive_int, default=DEFAULT_EXAMPLES, metavar="N",
                       help=f"examples per implementation (default {DEFAULT_EXAMPLES})")
    check.add_argument("--seed", type=_seed, default=None, metavar="N", help="make the run repeat exactly")
    check.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                       help=f"seconds a single call may take (default: {timeout_text(DEFAULT_TIMEOUT)})")
    check.add_argument("--watch", action="store_true",
                       help="stay running and re-check what each save changes (Ctrl-C to stop)")
    check.add_argument("--durations", type=_count, default=None, metavar="N",
                       help="list the N slowest implementations (0 for all), as pytest --durations does")
    sub.add_parser("list", help="list the gates and layers the registry knows")
    report = sub.add_parser("report", help="render the HTML report from a saved gradgate.report/1 JSON")
    report.add_argument("results", type=Path, metavar="RESULTS.json", help="a JSON written by gradgate check")
    report.add_argument("--html", type=Path, metavar="OUT", help="where to write the HTML (default RESULTS.html)")
    from . import gradecli  # grade, gradescope, merge

    gradecli.add_commands(sub, _positive_int, _seed, _seconds)
    return p


def _list() -> int:
    from gradgate.gates import COURSES

    from . import terminal

    for n, (course, specs) in enumerate(COURSES):
        print(("\n" if n else "") + f"{course}:")
        for spec in specs:
            inputs = ", ".join(spec.inputs)
            configured = f"; one verdict each: {', '.join(f'[{c}]' for c in spec.configurations)}" if spec.configurations else ""
            print(f"  {spec.name:{terminal.GATE_WIDTH}} {spec.convention.value:13} ({inputs})  {spec.summary}{configured}")
    return EXIT_OK


def _report_paths(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """(json, html) paths to write: the ones given, else reports/<stem or folder name>.json/.html."""
    if args.no_report:
        return None, None
    resolved = args.path.resolve()
    name = (resolved.stem if resolved.suffix == ".py" else resolved.name) or "report"
    default = Path("reports") / name
    return args.json or default.with_suffix(".json"), args.html or default.with_suffix(".html")


def _write_html(data_path: Path, html_path: Path) -> None:
    """The HTML from the JSON as written: the page is a function of the saved data alone."""
    from . import report as htmlreport

    htmlreport.write(htmlreport.load(data_path), html_path, json_name=str(data_path))


def _report(args: argparse.Namespace) -> int:
    from . import report as htmlreport

    out = args.html or args.results.with_suffix(".html")
    try:
        _write_html(args.results, out)
    except htmlreport.ReportError as exc:
        print(f"gradgate: cannot render {args.results}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as exc:
        print(f"gradgate: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(f"gradgate: HTML report written to {out}")
    return EXIT_OK


def _write_unusable(args: argparse.Namespace, argv: Sequence[str], json_path: Path, html_path: Path, seed: int) -> None:
    """The reports of a run that could not start, written without the engine (nor torch)."""
    from gradgate.checks.results import RunReport

    from . import jsonreport
    from . import report as htmlreport

    report = RunReport(str(args.path), seed, args.examples, f"{args.path} does not exist")
    try:
        jsonreport.write(report, json_path, "gradgate " + shlex.join(argv))
        _write_html(json_path, html_path)
    except (OSError, htmlreport.ReportError) as exc:
        print(f"gradgate: cannot write the report: {exc}", file=sys.stderr)


def _check(args: argparse.Namespace, argv: Sequence[str]) -> int:
    if args.no_report and (args.json or args.html):
        print("gradgate: --no-report writes nothing; leave out --json/--html, or --no-report", file=sys.stderr)
        return EXIT_UNUSABLE
    json_path, html_path = _report_paths(args)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    if not args.path.exists():  # an argument error: said before anything is loaded, and no header
        print(f"gradgate: cannot check {args.path}: {args.path} does not exist", file=sys.stderr)
        if json_path is not None and html_path is not None:  # the report a CI job uploads says so too
            _write_unusable(args, argv, json_path, html_path, seed)
        return EXIT_UNUSABLE
    print(f"gradgate: checking {args.path} · seed {seed} · {args.examples} examples per implementation", flush=True)

    from gradgate.checks.engine import run

    from . import terminal
    from .checkbar import CheckBar

    judged = []
    style = terminal.Style.of(sys.stdout, args.path if args.path.is_dir() else None)
    bar = CheckBar(sys.stdout)

    def show(result):  # type: ignore[no-untyped-def]
        # each implementation's lines as soon as it is judged, not when the whole run is done
        judged.append(result)
        print("\n".join(terminal.implementation_lines(result, style)), flush=True)
        bar.advance()

    try:
        report = run(args.path, examples=args.examples, seed=seed, timeout=args.timeout, on_result=show, on_start=bar.start)
    except KeyboardInterrupt:  # Ctrl-C: what was judged so far and how to repeat it, no traceback
        bar.stop()
        print("\n" + terminal.interrupted(judged, seed, args.seed is None), flush=True)
        return EXIT_INTERRUPTED
    finally:
        bar.stop()
    rerun = "gradgate " + shlex.join(argv)
    if args.seed is None:
        rerun += f" --seed {seed}"
    if json_path is not None and html_path is not None:
        from . import jsonreport  # only here: --no-report loads neither writer (Jinja2 and the report's views)
        from . import report as htmlreport

        try:
            jsonreport.write(report, json_path, rerun)
            print(f"gradgate: JSON report written to {json_path}")
            _write_html(json_path, html_path)
            print(f"gradgate: HTML report written to {html_path}")
        except (OSError, htmlreport.ReportError) as exc:
            print(f"gradgate: cannot write the report: {exc}", file=sys.stderr)
            return EXIT_UNUSABLE
    if report.error is not None:
        print(f"gradgate: cannot check {args.path}: {report.error}", file=sys.stderr)
        if not args.watch:
            return EXIT_UNUSABLE
    else:
        if args.durations is not None:
            print("\n".join(terminal.durations(report, args.durations)))
        print("\n".join(terminal.footer(report)))
    if args.watch:  # stay warm and re-check what each save changes, until Ctrl-C
        from gradgate.checks.engine import Options

        from . import watch

        options = Options(examples=args.examples, seed=seed, timeout=args.timeout)
        return watch.loop(args.path, options, show, lambda text: print(text, flush=True))
    if not report.results:
        return EXIT_NOTHING_CHECKED
    return EXIT_OK if report.ok else EXIT_FAILED


class _PipeSafe:
    """stdout that goes quiet once its reader has gone (`gradgate check ... | head`): the run, its
    reports and its exit status still complete, with no traceback."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._gone()

    def _gone(self) -> None:
        self.gone = True
        # The interpreter flushes stdout at exit: point the descriptor at /dev/null so that cannot fail.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    stdout = sys.stdout
    sys.stdout = _PipeSafe(stdout)  # type: ignore[assignment]
    try:
        return _main(argv)
    finally:
        sys.stdout = stdout


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "report":
        return _report(args)
    if args.command in ("grade", "gradescope", "merge", "assignment"):
        from . import gradecli

        return gradecli.main(args)
    return _check(args, argv)


if __name__ == "__main__":
    sys.exit(main())
