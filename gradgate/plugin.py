"""The pytest plugin (registered through the `pytest11` entry point): `pytest --gradgate PATH`.

Collection discovers the student's file or folder and yields one item per implementation the
registry knows (`student.py::affine_forward`: the file's own node id, so it pastes back); each item
fuzzes its implementation when it runs, so pytest-xdist spreads implementations over workers. A failure reads like `gradgate check`.
Every worker uses the seed the controller printed in the header; results travel back on the test
reports, and the controller alone writes the one JSON (and HTML) report of the session.

Settings, from the command line or as ini options of the same name (`gradgate_seed`, ...):
--gradgate PATH (ini gradgate_paths), --gradgate-seed, --gradgate-examples, --gradgate-timeout
(as gradgate check --timeout), --gradgate-profile, --gradgate-json FILE, --gradgate-html FILE.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gradgate.defaults import DEFAULT_EXAMPLES, DEFAULT_TIMEOUT, Timeout, timeout_text

if TYPE_CHECKING:
    from gradgate.checks.discover import Candidate
    from gradgate.checks.engine import Options
    from gradgate.checks.results import ImplementationResult
    from gradgate.gates.spec import GateSpec

# This module is loaded by every pytest session in an environment where gradgate is installed: the
# engine (torch) and hypothesis are imported only once gradgate has something to check, and a session
# without --gradgate gets no header line.

# Profiles: (max_examples, derandomize) by name. They are also hypothesis settings profiles
# (gradgate-dev, ...), registered once gradgate checks something or `register_profiles()` is called,
# so a user's own hypothesis tests can load the same ones. derandomize is always explicit: a new
# profile inherits the default one, which hypothesis itself derandomizes when CI is set.
PROFILES: dict[str, tuple[int, bool]] = {"dev": (25, False), "ci": (100, True), "grading": (400, False)}

VISIBILITY = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's values
DEFAULT_POINTS = 1
SEED_LIMIT = 2**32
RESULT_ATTR = "gradgate_result"  # a report attribute survives xdist's report serialization


@dataclass(frozen=True)
class Settings:
    paths: tuple[Path, ...]
    shown: tuple[str, ...]  # the paths as the user wrote them, for the header and the JSON target
    seed: int
    seed_given: bool
    examples: int | None  # None: the engine's default
    timeout: Timeout  # seconds a single call into student code may take, as gradgate check --timeout
    profile: str | None
    derandomize: bool
    json: Path | None
    html: Path | None
    asked: bool = False  # a gradgate setting was given (for the API's checks): the header shows them


_registered: list[bool] = []


def register_profiles() -> None:
    """Register gradgate-dev, gradgate-ci and gradgate-grading as hypothesis settings profiles (once)."""
    if _registered:
        return
    from hypothesis import settings as hypothesis_settings

    for name, (examples, derandomize) in PROFILES.items():
        hypothesis_settings.register_profile(f"gradgate-{name}", max_examples=examples, derandomize=derandomize)
    _registered.append(True)


RUN = pytest.StashKey["Run"]()
_runs: list[Run] = []  # innermost session last: pytester runs sessions inside sessions


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradgate", "gradgate: check hand-written backpropagation")
    group.addoption(
        "--gradgate",
        action="append",
        default=[],
        metavar="PATH",
        dest="gradgate_paths",
        help="check the implementations in a student's .py file or folder (repeatable)",
    )
    group.addoption("--gradgate-seed", metavar="N", help="the seed of every gradgate check (default: random, printed)")
    group.addoption("--gradgate-examples", metavar="N", help="examples per implementation")
    group.addoption(
        "--gradgate-timeout",
        metavar="S",
        help=f"seconds a single call into student code may take (default: {timeout_text(DEFAULT_TIMEOUT)}; as gradgate check --timeout)",
    )
    group.addoption(
        "--gradgate-profile", metavar="NAME", help="dev (few examples), ci (derandomized) or grading (many examples)"
    )
    group.addoption("--gradgate-json", metavar="FILE", help="write one gradgate.report/1 JSON for the session")
    group.addoption("--gradgate-html", metavar="FILE", help="write one HTML report for the session")
    parser.addini("gradgate_paths", type="paths", default=[], help="student files or folders to check")
    for name, what in (
        ("seed", "the seed of every gradgate check"),
        ("examples", "examples per implementation"),
        ("timeout", "seconds a single call into student code may take"),
        ("profile", "dev, ci or grading"),
        ("json", "write one gradgate.report/1 JSON for the session"),
        ("html", "write one HTML report for the session"),
    ):
        parser.addini(f"gradgate_{name}", type="string", default="", help=what)


def _setting(config: pytest.Config, name: str) -> tuple[str | None, str]:
    """The value of a setting (command line first, then ini) and where it came from, for messages."""
    value = config.getoption(f"gradgate_{name}")
    if value is not None:
        return value, f"--gradgate-{name}"
    value = config.getini(f"gradgate_{name}")
    return (value or None), f"gradgate_{name} (ini)"


def _whole(text: str, where: str, low: int, high: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise pytest.UsageError(f"{where} expects a whole number, got {text!r}") from None
    if value < low or (high is not None and value >= high):
        bound = f"{low} <= N < {high}" if high is not None else f"N >= {low}"
        raise pytest.UsageError(f"{where} expects {bound}, got {value}")
    return value


def _seconds(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise pytest.UsageError(f"{where} expects seconds, got {text!r}") from None
    if not value > 0:
        raise pytest.UsageError(f"{where} expects more than 0 seconds, got {text}")
    return value


def _settings(config: pytest.Config) -> Settings:
    given = config.getoption("gradgate_paths")
    if given:
        base = config.invocation_params.dir
        shown, paths = tuple(given), tuple((base / p).resolve() for p in given)
    else:
        paths = tuple((_ini_dir(config) / p).resolve() for p in config.getini("gradgate_paths"))
        shown = tuple(os.path.relpath(p, config.rootpath) for p in paths)
    missing = [s for s, p in zip(shown, paths, strict=True) if not p.exists()]
    if missing:
        raise pytest.UsageError(f"gradgate: no such file or folder: {', '.join(missing)}")

    profile, where = _setting(config, "profile")
    if profile is not None and profile not in PROFILES:
        raise pytest.UsageError(f"{where} expects one of {', '.join(PROFILES)}, got {profile!r}")
    chosen = PROFILES[profile] if profile else None
    examples_text, where = _setting(config, "examples")
    examples = _whole(examples_text, where, 1) if examples_text is not None else None
    if examples is None and chosen is not None:
        examples = chosen[0]
    given_timeout, where = _setting(config, "timeout")
    timeout = _seconds(given_timeout, where) if given_timeout is not None else DEFAULT_TIMEOUT

    workerinput = getattr(config, "workerinput", None)
    seed_text, where = _setting(config, "seed")
    if seed_text is not None:
        seed = _whole(seed_text, where, 0, SEED_LIMIT)
    elif workerinput is not None and "gradgate_seed" in workerinput:
        seed = workerinput["gradgate_seed"]
    else:
        seed = random.randrange(SEED_LIMIT)

    files = {}
    for name in ("json", "html"):
        text, where = _setting(config, name)
        # like gradgate_paths, an ini file's paths are relative to that file, wherever pytest is run
        base = config.invocation_params.dir if where.startswith("--") else _ini_dir(config)
        files[name] = (base / text) if text else None
    unique = dict(zip(paths, shown, strict=True))  # the same path twice would collect its items twice
    return Settings(
        paths=tuple(unique),
        shown=tuple(unique.values()),
        seed=seed,
        seed_given=seed_text is not None,
        examples=examples,
        timeout=timeout,
        profile=profile,
        derandomize=bool(chosen and chosen[1]),
        json=files["json"],
        html=files["html"],
        asked=any(t is not None for t in (seed_text, examples_text, given_timeout, profile)),
    )


def _ini_dir(config: pytest.Config) -> Path:
    return config.inipath.parent if config.inipath else config.rootpath


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "gradgate(points=1, visibility='visible'): points and visibility of a test in grading reports",
    )
    run = Run(config, _settings(config))
    if run.settings.html is not None and not _is_worker(config):
        _html_renderer()  # fail now, not after the whole session has run
    config.stash[RUN] = run
    config.pluginmanager.register(run, "gradgate-run")
    _runs.append(run)


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is not None:
        _runs.remove(run)
        config.pluginmanager.unregister(run)


def session_options() -> Options | None:
    """The engine options of the running pytest session (the API's defaults); None outside one."""
    return _runs[-1].options() if _runs else None


class Run:
    """One session's settings and what the controller gathers; its methods are pytest hooks."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.results: list[tuple[int, dict[str, Any]]] = []  # (collection order, result dict)
        self.unchecked: list[tuple[str, str, str, str]] = []  # (name, file, reason, kind)
        self._planned: dict[Path, Planned] | None = None
        self.taken: set[Path] = set()  # student files pytest collected from its own arguments
        self.started = time.perf_counter()

    def options(self) -> Options:
        from gradgate.checks.engine import Options

        register_profiles()  # hypothesis is loaded now anyway
        s = self.settings
        examples = s.examples if s.examples is not None else DEFAULT_EXAMPLES
        return Options(examples=examples, seed=s.seed, timeout=s.timeout, derandomize=s.derandomize)

    def pytest_report_header(self) -> str | None:
        s = self.settings
        if not (s.paths or s.asked):  # a plain pytest session says nothing of gradgate
            return None
        parts = [f"gradgate: seed {s.seed} (--gradgate-seed {s.seed} repeats it)"]
        if s.profile:
            parts.append(f"profile {s.profile}" + (" (derandomized)" if s.derandomize else ""))
        if s.examples is not None:
            parts.append(f"{s.examples} examples per implementation")
        if s.timeout != DEFAULT_TIMEOUT:
            parts.append(f"timeout {timeout_text(s.timeout)}")
        if s.shown:
            parts.append("checking " + ", ".join(s.shown))
        return " · ".join(parts)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        # Without this every xdist worker would draw a seed of its own, not the one in the header.
        node.workerinput["gradgate_seed"] = self.settings.seed

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(self, module_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        # A student file named on the command line (`pytest "good.py::relu_forward"`, the node id of a
        # report pasted back) is collected as gradgate's, under the id pytest gives the file.
        if not self.settings.paths or not parent.session.isinitpath(module_path):
            return None
        plan = self.planned().get(module_path.resolve())
        if plan is None:
            return None
        self.taken.add(plan.path)
        return StudentFile.from_parent(parent, path=module_path, plan=plan)

    @pytest.hookimpl(tryfirst=True)  # before -k/-m deselection, and before conftest hooks see the items
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        if not self.settings.paths:
            return
        if not self.taken:  # else the command line chose which student files run
            for plan in self.planned().values():
                try:
                    plan.path.relative_to(self.config.rootpath)
                    nodeid = None  # pytest's own: the path from the rootdir
                except ValueError:
                    nodeid = plan.path.as_posix()
                items.extend(session.genitems(StudentFile.from_parent(session, path=plan.path, nodeid=nodeid, plan=plan)))
        if _is_worker(self.config):
            self.config.workeroutput["gradgate_unchecked"] = self.unchecked  # type: ignore[attr-defined]

    def planned(self) -> dict[Path, Planned]:
        """The student files to check, by resolved path, in the order of the --gradgate paths;
        discovery (importing student code) happens here, once per session."""
        if self._planned is None:
            self._planned = _plan(self)
        return self._planned

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        # Workers collect, the controller does not: the names nothing checked come back with each worker.
        for entry in getattr(node, "workeroutput", {}).get("gradgate_unchecked", []):
            if tuple(entry) not in self.unchecked:
                self.unchecked.append(tuple(entry))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        mark = item.get_closest_marker("gradgate")
        if mark is None:
            return
        unknown = sorted(set(mark.kwargs) - {"points", "visibility"})
        points = mark.kwargs.get("points", DEFAULT_POINTS)
        visibility = mark.kwargs.get("visibility", "visible")
        problem = None
        if mark.args or unknown:
            problem = (
                f"takes only points=... and visibility=..., got {', '.join(map(repr, mark.args)) or ', '.join(unknown)}"
            )
        elif isinstance(points, bool) or not isinstance(points, (int, float)) or not points >= 0:
            problem = f"points should be a number >= 0, got {points!r}"
        elif visibility not in VISIBILITY:
            problem = f"visibility should be one of {', '.join(VISIBILITY)}, got {visibility!r}"
        if problem:
            pytest.fail(f"@pytest.mark.gradgate {problem}", pytrace=False)
        item.user_properties += [("points", points), ("visibility", visibility)]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item) -> Iterator[None]:
        report = yield
        if isinstance(item, _Checked) and item.result is not None and not item.sent:
            from gradgate import jsonreport

            item.sent = True
            payload = {"order": item.order, "result": jsonreport.result_dict(item.result)}
            setattr(report, RESULT_ATTR, json.dumps(payload, allow_nan=False))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, RESULT_ATTR, None)
        if payload is not None and not _is_worker(self.config):
            data = json.loads(payload)
            self.results.append((data["order"], data["result"]))

    def pytest_sessionstart(self) -> None:
        self.started = time.perf_counter()

    def pytest_sessionfinish(self) -> None:
        s = self.settings
        if _is_worker(self.config) or (s.json is None and s.html is None):
            return
        report = self.report()
        if s.json is not None:
            s.json.parent.mkdir(parents=True, exist_ok=True)
            s.json.write_text(json.dumps(report, indent=1, allow_nan=False) + "\n")
        if s.html is not None:
            s.html.parent.mkdir(parents=True, exist_ok=True)
            s.html.write_text(_html_renderer()(report))

    def report(self) -> dict[str, Any]:
        """The session as one gradgate.report/1 dict, whichever worker checked which implementation."""
        from gradgate import jsonreport
        from gradgate.checks.results import RunReport, Status, Unchecked, UncheckedKind

        s = self.settings
        command = shlex.join(["pytest", *self.config.invocation_params.args])
        if not s.seed_given:
            command += f" --gradgate-seed {s.seed}"
        run = RunReport(
            target=" ".join(s.shown),
            seed=s.seed,
            examples=self.options().examples,
            error=None,
            unchecked=[Unchecked(n, f, r, UncheckedKind(k)) for n, f, r, k in self.unchecked],
            seconds=time.perf_counter() - self.started,
        )
        report = jsonreport.to_dict(run, command)
        report["results"] = [r for _, r in sorted(self.results, key=lambda pair: pair[0])]
        report["summary"] = {st.value: sum(r["status"] == st.value for r in report["results"]) for st in Status}
        return report

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        s = self.settings
        if not s.paths:
            return
        terminalreporter.section("gradgate")
        for name, source, reason, _ in self.unchecked:
            terminalreporter.write_line(f"unchecked {name} ({source}): {reason}")
        for label, path in (("JSON", s.json), ("HTML", s.html)):
            if path is not None:
                terminalreporter.write_line(f"{label} report written to {path}")
        terminalreporter.write_line(f"rerun with --gradgate-seed {s.seed}")


def _html_renderer() -> Any:
    try:
        module = importlib.import_module("gradgate.report")
    except ModuleNotFoundError as exc:
        if exc.name != "gradgate.report":
            raise
        raise pytest.UsageError(
            "--gradgate-html needs gradgate.report, which this gradgate install does not have yet"
        ) from None
    render = getattr(module, "render", None)
    if not callable(render):
        raise pytest.UsageError(
            "--gradgate-html needs gradgate.report.render(report_dict), which gradgate.report does not define"
        )
    return render


# -- the collected tree: gradgate / student file / implementation ----------------------------------


class GradgateFailure(Exception):
    """An implementation got a verdict other than pass; carries the result for repr_failure."""

    def __init__(self, result: ImplementationResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass(frozen=True)
class Planned:
    """A student file to collect: its implementations (or why it does not import), and the place of
    its first item in the session's report."""

    path: Path
    pairs: tuple[tuple[tuple[GateSpec, ...], Candidate], ...]
    roots: tuple[Path, ...]
    first: int
    broken: str | None = None  # why the file does not import


def _plan(run: Run) -> dict[Path, Planned]:
    from gradgate.checks.discover import LoadError, discover
    from gradgate.checks.matching import configurations, judged

    plans: dict[Path, Planned] = {}  # a folder and a file inside it: each file once
    order = 0
    for target in run.settings.paths:
        try:
            found = discover(target, run.settings.timeout)
        except LoadError as exc:
            found, broken = None, [(target, str(exc))]
        else:
            broken = [(Path(f), f"{_shown(run.config, Path(f))} cannot be imported: {why}") for f, why in found.broken]
        for path, reason in broken:
            if path.resolve() not in plans:
                plans[path.resolve()] = Planned(path.resolve(), (), (), order, broken=reason)
                order += 1
        if found is None:
            continue
        checked, skipped = judged(found)
        unchecked = [(u.name, u.source, u.reason, u.kind.value) for u in skipped]
        by_file: dict[str, list[tuple[tuple[GateSpec, ...], Candidate]]] = {}
        for cand, specs in checked:
            by_file.setdefault(cand.source, []).append((specs, cand))
        run.unchecked.extend(u for u in unchecked if u not in run.unchecked)
        for source, pairs in by_file.items():
            path = Path(source).resolve()
            if path not in plans:
                plans[path] = Planned(path, tuple(pairs), found.roots, order)
                order += sum(len(configurations(specs)) for specs, _ in pairs)
    return plans


def _shown(config: pytest.Config, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.rootpath).as_posix()
    except ValueError:
        return path.as_posix()


class StudentFile(pytest.File):
    """A student's file: one item per implementation (per configuration of a configurable model), or
    one error item where the file does not import. Its node id is the file's, as pytest's own."""

    def __init__(self, *, plan: Planned, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        # items get the marker's defaults; a marker on the item itself wins
        self.add_marker("gradgate")

    def collect(self) -> Iterator[pytest.Item]:
        from gradgate.checks.configurations import named
        from gradgate.checks.matching import configurations

        if self.plan.broken is not None:
            yield BrokenFile.from_parent(self, name="import", reason=self.plan.broken, order=self.plan.first)
            return
        order = self.plan.first
        for specs, cand in self.plan.pairs:
            # one item per configuration of a configurable model: FullyConnectedNet[dropout]
            for label in configurations(specs):
                yield Implementation.from_parent(
                    self, name=named(cand.label, label), specs=specs, candidate=cand, configuration=label, order=order
                )
                order += 1


class _Checked(pytest.Item):
    """An item whose verdict is an ImplementationResult, sent to the controller on one report."""

    def __init__(self, *, order: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order = order
        self.result: ImplementationResult | None = None
        self.sent = False

    def _record(self, result: ImplementationResult) -> None:
        self.result = result
        errors = [c.max_rel_error for c in result.checks if c.max_rel_error is not None]
        self.user_properties += [
            ("gate", result.gate),
            ("implementation", result.implementation),
            ("status", result.status.value),
            ("worst_rel_error", max(errors) if errors else "n/a"),
        ]


class Implementation(_Checked):
    def __init__(self, *, specs: tuple[GateSpec, ...], candidate: Candidate, configuration: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.specs = specs  # alternatives of one gate (matching.match)
        self.candidate = candidate
        self.configuration = configuration  # of a configurable model, None otherwise

    def runtest(self) -> None:
        from gradgate.checks.engine import check_implementation
        from gradgate.checks.results import Status

        assert isinstance(self.parent, StudentFile)
        result = check_implementation(
            self.specs, self.candidate, self.config.stash[RUN].options(), self.parent.plan.roots, configuration=self.configuration
        )
        self._record(result)
        if result.status is not Status.PASS:
            raise GradgateFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, GradgateFailure):
            from gradgate import terminal

            return "\n".join(terminal.implementation_lines(excinfo.value.result))
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"gradgate {self.specs[0].name}: {self.name}"


class BrokenFile(_Checked):
    """A student file that does not import: an error item, and the rest of the session still runs."""

    def __init__(self, *, reason: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reason = reason

    def setup(self) -> None:
        from gradgate.checks.results import ImplementationResult, Status

        path = self.path
        self._record(
            ImplementationResult(path.stem, path.name, Status.ERROR, [], message=self.reason, source=str(path))
        )
        pytest.fail(self.reason, pytrace=False)

    def runtest(self) -> None:  # pragma: no cover - setup always fails
        pass

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"gradgate: {_shown(self.config, self.path)} does not import"
