"""Progress of `gradgate check` on a terminal: a `rich` bar below the result lines, with the
implementations judged so far, of how many, the time taken and the time left. It is transient
(gone when the run ends) and drawn only when stdout is a terminal, so a pipe or a log gets the same
lines as before and no control characters."""

from __future__ import annotations

from typing import Any, TextIO

SHOWN_FROM = 2  # a single implementation needs no bar


class CheckBar:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: Any = None

    def start(self, total: int) -> None:
        """Called by the engine once it knows how many results are coming."""
        if total < SHOWN_FROM or not self.stream.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        # the result lines printed meanwhile go through rich's stdout proxy, above the bar
        self.bar = Progress(
            TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("left"),
            TimeRemainingColumn(), console=Console(file=self.stream, force_terminal=True), transient=True,
        )  # fmt: skip
        self.task = self.bar.add_task("", total=total)
        self.bar.start()

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)
            self.bar.refresh()  # drawn at once: an implementation judged between two auto-refreshes still shows

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
