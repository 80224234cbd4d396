"""What an executor's monitor reads and writes in the store, and how it tells a job's log.

The Temporal and Kubernetes executors both hand a job to an engine that cannot see the
store, and both watch from a monitor thread for what that engine cannot report itself
(nobody takes the job, the job cannot start). They share these few words with the store:
which jobs are still queued, a line in a job's log, and a failed job's result.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Protocol

from shipyard.flow.run.records import QueuedJob, Report
from shipyard.flow.run.spec import JobSpec


class OwnWorkers(Protocol):
    """Things a service starts for its executor and stops with it (workers, a Secret)."""

    def start(self) -> None: ...

    def close(self) -> None: ...


class JobBook(Protocol):
    """The store, as far as an executor's monitor reads and writes it."""

    def queued_jobs(self, run_id: int) -> list[QueuedJob]: ...

    def report(self, report: Report) -> None: ...

    def append_logs(
        self,
        run_id: int,
        job_id: int,
        step_id: int | None,
        lines: Sequence[tuple[float, str]],
        reports: Sequence[Report] = (),
    ) -> int: ...


class JobNotes:
    """A monitor's voice in a job: lines in its log, and its failure with a message."""

    def __init__(self, book: JobBook, clock: Callable[[], float]) -> None:
        self.book = book
        self.clock = clock
        self.wake: Callable[[], None] = lambda: None

    def log(self, job: JobSpec, text: str) -> None:
        with contextlib.suppress(Exception):  # a log line must never fail the monitor
            self.book.append_logs(job.run_id, job.job_id, None, [(self.clock(), text)])

    def fail(self, job: JobSpec, message: str) -> None:
        """Raises when the store cannot take the result, so that the caller tries again."""
        self.log(job, "##[error]" + message)
        self.book.report(
            Report("job_finished", job.run_id, job.job_id, {"status": "failed", "message": message})
        )
        self.wake()
