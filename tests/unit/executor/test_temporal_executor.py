"""The Temporal executor's own decisions, with a fake dispatcher and a fake clock."""

from __future__ import annotations

from collections.abc import Sequence

from shipyard.adapters.temporal import JobTicket
from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.temporal import TemporalExecutor
from shipyard.flow.run.records import QueuedJob, Report
from shipyard.flow.run.spec import JobSpec


class FakeTemporal:
    def __init__(self, pollers: list[str] | None = None, down: bool = False) -> None:
        self.started: list[tuple[str, JobTicket]] = []
        self.canceled: list[str] = []
        self.polling = pollers or []
        self.down = down

    def start(self, workflow_id: str, ticket: JobTicket) -> None:
        if self.down:
            raise ShipyardError("Temporal at 127.0.0.1:1 did not answer: refused")
        self.started.append((workflow_id, ticket))

    def cancel(self, workflow_id: str) -> None:
        self.canceled.append(workflow_id)

    def pollers(self, queue: str) -> list[str]:
        return list(self.polling)

    def close(self) -> None:
        pass


class Book:
    def __init__(self) -> None:
        self.queued: dict[int, QueuedJob] = {}
        self.reports: list[Report] = []
        self.lines: list[str] = []

    def queued_jobs(self, run_id: int) -> list[QueuedJob]:
        return [q for q in self.queued.values() if q.run_id == run_id]

    def report(self, report: Report) -> None:
        self.reports.append(report)

    def append_logs(
        self,
        run_id: int,
        job_id: int,
        step_id: int | None,
        lines: Sequence[tuple[float, str]],
        reports: Sequence[Report] = (),
    ) -> int:
        self.lines += [text for _, text in lines]
        return 0


def _spec(job_id: int = 7, pool: str = "arm64", demands: tuple[str, ...] = ("docker",)) -> JobSpec:
    return JobSpec(
        run_id=1,
        job_id=job_id,
        stage="s",
        job="j",
        display_name="j",
        pipeline="app",
        repo="/r",
        sha="0" * 40,
        ref="refs/heads/main",
        checkout=False,
        variables={},
        steps=(),
        pool=pool,
        demands=demands,
    )


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _executor(temporal: FakeTemporal, book: Book, clock: Clock) -> TemporalExecutor:
    return TemporalExecutor("e1", temporal, book, wait_for_worker_seconds=30, clock=clock)


def test_dispatch_sends_ids_only_to_the_queue_of_pool_and_demands() -> None:
    temporal, book, clock = FakeTemporal(pollers=["w1"]), Book(), Clock()
    _executor(temporal, book, clock).dispatch(_spec())
    workflow_id, ticket = temporal.started[0]
    assert workflow_id == "shipyard-e1-job-7"
    assert ticket.queue == "shipyard/arm64+docker" and ticket.job_id == 7
    assert not book.lines  # a worker polls: nothing to say


def test_nobody_polling_is_said_at_once_and_fails_the_job_after_the_wait() -> None:
    temporal, book, clock = FakeTemporal(), Book(), Clock()
    executor = _executor(temporal, book, clock)
    book.queued[7] = QueuedJob(7, 1, "e1", None, None, False)
    executor.dispatch(_spec())
    assert not book.lines  # the dispatch itself asks Temporal nothing more
    executor.check_waiting()
    assert (
        len(book.lines) == 1
        and "Waiting for a worker of pool 'arm64' with demands docker" in book.lines[0]
    )
    clock.t += 29
    executor.check_waiting()
    assert not book.reports and len(book.lines) == 1
    clock.t += 2
    executor.check_waiting()
    (report,) = book.reports
    assert report.kind == "job_finished" and report.data["status"] == "failed"
    message = str(report.data["message"])
    assert "no worker can take this job" in message
    assert "shipyard worker --pool arm64 --capability docker" in message
    assert temporal.canceled == ["shipyard-e1-job-7"]


def test_busy_workers_of_the_pool_mean_wait_not_fail() -> None:
    temporal, book, clock = FakeTemporal(pollers=["busy"]), Book(), Clock()
    executor = _executor(temporal, book, clock)
    book.queued[7] = QueuedJob(7, 1, "e1", None, None, False)
    executor.dispatch(_spec())
    clock.t += 3600
    executor.check_waiting()
    assert not book.reports


def test_a_claimed_job_is_no_longer_watched() -> None:
    temporal, book, clock = FakeTemporal(), Book(), Clock()
    executor = _executor(temporal, book, clock)
    book.queued[7] = QueuedJob(7, 1, "e1", "w1#1", 1000.0, False)
    executor.dispatch(_spec())
    executor.check_waiting()
    clock.t += 3600
    book.queued[7] = QueuedJob(7, 1, "e1", None, None, False)
    executor.check_waiting()
    assert not book.reports


def test_temporal_down_at_dispatch_fails_the_job_with_the_address() -> None:
    temporal, book, clock = FakeTemporal(down=True), Book(), Clock()
    _executor(temporal, book, clock).dispatch(_spec())
    (report,) = book.reports
    assert "127.0.0.1:1 did not answer" in str(report.data["message"])


def test_cancel_cancels_the_workflow() -> None:
    temporal, book, clock = FakeTemporal(pollers=["w"]), Book(), Clock()
    executor = _executor(temporal, book, clock)
    executor.dispatch(_spec())
    executor.cancel(7)
    executor.cancel(99)  # never dispatched here: nothing to do
    assert temporal.canceled == ["shipyard-e1-job-7"]
