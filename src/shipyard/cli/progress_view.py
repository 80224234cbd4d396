"""How long platform work looks on a terminal and in a log.

On a terminal each step is a spinner with its elapsed time, replaced by one line with the
outcome. In a log (CI, ``make demo | tee``, a file) a spinner shows nothing at all, so each
step that takes more than two seconds gets a line saying when it started and one a minute
after that, and every step a line when it ends (with how long it took): a first ``platform
up`` that builds Kubernetes for minutes is never a silent log, a warm one stays short.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress as RichBar
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

from shipyard.platform.progress import Recorder, Step, StepRecord


class _StillRunning:
    """In a log: a line once a step has run for ``FIRST_S`` (when it started), then one a
    minute, so that a long build shows it is alive; quick and cached steps print nothing
    but their outcome line."""

    FIRST_S = 2.0
    EVERY_S = 60.0

    def __init__(self, out: Console, title: str) -> None:
        self.out, self.title = out, title
        self.started = time.monotonic()
        self.clock = time.strftime("%H:%M:%S")
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        wait = self.FIRST_S
        while not self.done.wait(wait):
            took = time.monotonic() - self.started
            when = f"started {self.clock}" + (f", {took / 60:.0f} min so far" if took > 60 else "")
            self.out.print(f"[dim]…[/] {escape(self.title)} [dim]({when})[/]")
            wait = self.EVERY_S

    def __enter__(self) -> _StillRunning:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


class RichProgress(Recorder):
    """A spinner per step on a terminal; a start line and an outcome line otherwise."""

    def __init__(self, out: Console) -> None:
        super().__init__()
        self.out = out

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[Step]:
        if not self.out.is_terminal:
            with _StillRunning(self.out, title), super().step(title) as handle:
                yield handle
            self._line(self.steps[-1])
            return
        bar = RichBar(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.out,
            transient=True,
        )
        with bar:
            bar.add_task(escape(title), total=None)
            with super().step(title) as handle:
                yield handle
        self._line(self.steps[-1])

    def _line(self, record: StepRecord) -> None:
        mark = {"done": "[green]✓[/]", "skipped": "[dim]·[/]", "failed": "[red]✗[/]"}[
            record.outcome
        ]
        detail = f" [dim]({escape(record.detail)})[/]" if record.detail else ""
        took = f" [dim]{record.seconds:.1f} s[/]" if record.outcome != "skipped" else ""
        self.out.print(f"{mark} {escape(record.title)}{detail}{took}")

    def info(self, message: str) -> None:
        super().info(message)
        self.out.print(f"  [dim]{escape(message)}[/]")

    def warn(self, message: str) -> None:
        super().warn(message)
        self.out.print(f"  [yellow]warning:[/] {escape(message)}")
