"""One attempt of a distributed job: claim by id, take over from a lost attempt, stop when
the job was taken over, and say nothing ran when the job is gone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from shipyard.adapters.temporal import JobTicket
from shipyard.executor.remote_job import GONE, RAN, RemoteJobs
from shipyard.flow.run.records import QueuedJob
from shipyard.flow.run.spec import JobSpec
from shipyard.ports import Attempt
from tests.unit.executor.test_temporal_executor import _spec


class Queue:
    def __init__(self, previous: QueuedJob | None, *, keep_lease: bool = True) -> None:
        self.previous = previous
        self.keep_lease = keep_lease
        self.claims: list[tuple[str, bool]] = []
        self.lines: list[str] = []
        self.reports: list[Any] = []
        self.beats = threading.Event()

    def claim_job(
        self, job_id: int, worker: str, host: str, token: str, *, retake: bool = False
    ) -> tuple[JobSpec, QueuedJob] | None:
        self.claims.append((worker, retake))
        if self.previous is None:
            return None
        return _spec(job_id), self.previous

    def heartbeat(self, job_id: int, worker: str, at: float) -> bool:
        self.beats.set()
        return self.keep_lease

    def cancel_requested(self, job_id: int) -> bool:
        return False

    def report(self, report: Any) -> None:
        self.reports.append(report)

    def append_logs(
        self, run_id: int, job_id: int, step_id: Any, lines: Any, reports: Any = ()
    ) -> int:
        self.lines += [text for _, text in lines]
        return 0


class Runner:
    def __init__(self, until: Callable[[Callable[[], bool]], None]) -> None:
        self.until = until
        self.ran: list[int] = []

    def run(self, spec: JobSpec, token: str, cancel_check: Callable[[], bool]) -> None:
        self.ran.append(spec.job_id)
        self.until(cancel_check)


def _attempt(number: int) -> Attempt:
    return Attempt(number, "w2", lambda details: None, lambda: False)


def _ticket() -> JobTicket:
    return JobTicket(job_id=7, run_id=1, queue="shipyard/local", heartbeat_seconds=1.5)


def _free(job_id: int = 7) -> QueuedJob:
    return QueuedJob(job_id, 1, "e1", None, None, False)


def test_a_first_attempt_claims_without_taking_over() -> None:
    queue, runner = Queue(_free()), Runner(lambda check: None)
    jobs = RemoteJobs(queue, runner, host="here")  # type: ignore[arg-type]
    assert jobs(_ticket(), _attempt(1)) == RAN
    assert queue.claims == [("w2#1", False)] and runner.ran == [7] and not queue.lines


def test_a_retry_takes_over_and_says_whose_job_it_was() -> None:
    lost = QueuedJob(7, 1, "e1", "w1#1", 1.0, False, host="elsewhere", pgids=(999999,), token="t")
    queue, runner = Queue(lost), Runner(lambda check: None)
    assert RemoteJobs(queue, runner, host="here")(_ticket(), _attempt(2)) == RAN  # type: ignore[arg-type]
    assert queue.claims == [("w2#2", True)]
    assert "the worker that ran this job before (w1#1 on elsewhere) was lost" in queue.lines[0]
    # what the lost attempt recorded starts over before the job runs again
    assert [(r.kind, r.data) for r in queue.reports] == [("job_restarted", {"lost": "w1#1"})]


def test_a_finished_or_canceled_job_is_gone_and_nothing_runs() -> None:
    queue, runner = Queue(None), Runner(lambda check: None)
    assert RemoteJobs(queue, runner)(_ticket(), _attempt(3)) == GONE  # type: ignore[arg-type]
    assert runner.ran == []


def test_an_attempt_whose_lease_was_taken_stops_its_job() -> None:
    queue = Queue(_free(), keep_lease=False)
    stopped: list[bool] = []

    def until(check: Callable[[], bool]) -> None:
        for _ in range(400):  # at most 4 s: the heartbeat thread beats every 0.5 s
            if check():
                stopped.append(True)
                return
            threading.Event().wait(0.01)

    assert RemoteJobs(queue, Runner(until))(_ticket(), _attempt(1)) == RAN  # type: ignore[arg-type]
    assert stopped == [True] and queue.beats.is_set()


def test_a_pod_always_takes_over_and_counts_from_the_previous_holder() -> None:
    lost = QueuedJob(7, 1, "e1", "sy-e1-7-aaaaa#1", 1.0, False, host="shipyard-node")
    queue, runner = Queue(lost), Runner(lambda check: None)
    jobs = RemoteJobs(queue, runner, host="shipyard-node", retake_always=True)  # type: ignore[arg-type]
    assert jobs.run(7, 2.0, Attempt(1, "sy-e1-7-bbbbb", lambda d: None, lambda: False)) == RAN
    assert queue.claims == [("sy-e1-7-bbbbb#1", True)]
    assert queue.lines[0].startswith("##[warning]Attempt 2 on sy-e1-7-bbbbb")
