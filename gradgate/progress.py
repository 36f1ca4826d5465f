"""Progress of `gradgate grade`: submissions done, time left and the failures so far.

On an interactive stderr it is a `rich` bar, redrawn in place; elsewhere (a log, CI) there is no bar,
only one plain line per graded submission, so a log holds no control characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .grade import Outcome

SHOWN_FAILURES = 3  # the latest few: the bar stays one line


def outcome_text(o: Outcome) -> str:
    if o.grader_error:
        return "the grader failed"
    if o.error:
        return "could not be loaded"  # its points come with the class's gates, once all are graded
    return f"{o.score:g}/{o.max_score:g}"


def _lost_points(o: Outcome) -> bool:
    return bool(o.grader_error or o.error or o.score < o.max_score)


class Progress:
    """Call it with each Outcome as a submission is graded; `started(name)` as one begins, where known."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.failures: list[str] = []
        self.bar: Any = None
        if stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            console = Console(file=stream, force_terminal=True)
            self.bar = Bar(
                TextColumn("grading {task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), TextColumn("{task.fields[failures]}"),
                console=console,
            )  # fmt: skip
            self.task = self.bar.add_task("", total=total, failures="")
            self.bar.start()

    def started(self, name: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=name)

    def _failures(self) -> str:
        if not self.failures:
            return ""
        shown = self.failures[-SHOWN_FAILURES:]
        more = f" (+{len(self.failures) - len(shown)} more)" if len(self.failures) > len(shown) else ""
        return f"lost points: {', '.join(shown)}{more}"

    def __call__(self, outcome: Outcome) -> None:
        self.done += 1
        note = outcome_text(outcome)
        if _lost_points(outcome):
            self.failures.append(f"{outcome.name} {note}")
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description="", failures=self._failures())
        else:
            print(f"gradgate: [{self.done}/{self.total}] {outcome.name}: {note} ({outcome.seconds:.1f} s)", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
