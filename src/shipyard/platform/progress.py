"""How the platform tells its caller what it is doing, without knowing who listens.

``up`` has steps that take minutes on a fresh machine (a Kubernetes build) and milliseconds
afterwards. The platform announces each step through :class:`Progress`; the CLI shows a Rich
spinner with the elapsed time, the test suite and the benchmark use :class:`Recorder`, which
only keeps the timings. Every step's outcome is one of "done", "skipped" (already there) or
"failed", so a second ``up`` can show (and a test can assert) that nothing was rebuilt.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

Outcome = Literal["done", "skipped", "failed"]


@dataclass(slots=True)
class StepRecord:
    title: str
    outcome: Outcome = "done"
    seconds: float = 0.0
    detail: str = ""


class Step(Protocol):
    def skip(self, detail: str = "") -> None:
        """Mark the step as not needed (already installed, already running)."""
        ...

    def detail(self, text: str) -> None:
        """A short note shown beside the step (a version, an address)."""
        ...


class Progress(Protocol):
    def step(self, title: str) -> contextlib.AbstractContextManager[Step]: ...

    def info(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...


@dataclass(slots=True)
class _Handle:
    record: StepRecord

    def skip(self, detail: str = "") -> None:
        self.record.outcome = "skipped"
        if detail:
            self.record.detail = detail

    def detail(self, text: str) -> None:
        self.record.detail = text


@dataclass(slots=True)
class Recorder:
    """A silent :class:`Progress` that keeps every step's outcome and duration."""

    steps: list[StepRecord] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[Step]:
        record = StepRecord(title)
        self.steps.append(record)
        start = time.monotonic()
        try:
            yield _Handle(record)
        except BaseException:
            record.outcome = "failed"
            raise
        finally:
            record.seconds = time.monotonic() - start

    def info(self, message: str) -> None:
        self.messages.append(message)

    def warn(self, message: str) -> None:
        self.messages.append("warning: " + message)

    def done(self) -> list[StepRecord]:
        return [s for s in self.steps if s.outcome == "done"]
