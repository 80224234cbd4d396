"""The Temporal executor: each job a Temporal workflow, taken by a worker of its pool.

Dispatching starts workflow ``shipyard-<engine>-job-<id>`` on the job's task queue
(:func:`shipyard.domain.pools.task_queue` of its ``pool`` and ``demands``); any ``shipyard
worker`` polling that queue, on any machine that reaches the store, takes it. Temporal
keeps the hand-out durable: a worker lost mid-job stops heartbeating and the job is retried
on another, and a Temporal server that restarts resumes its workflows from its database.
Results travel as they do for local workers, through the store, so the engine cannot tell
the executors apart.

What Temporal cannot say by itself is that nobody will ever take a job: a monitor thread
fails a job that no worker claimed after ``wait_for_worker_seconds`` while no worker polls its
queue, and says which pool and demands nobody serves. A job waiting behind busy workers of
its pool keeps waiting. The monitor, not the engine's thread, also asks once whether anybody
polls a new job's queue and says so in the job's log when nobody does.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from shipyard.adapters.temporal import JobTicket, TemporalJobs
from shipyard.domain import pools
from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.book import JobBook, JobNotes, OwnWorkers
from shipyard.flow.run.records import QueuedJob
from shipyard.flow.run.spec import JobSpec

MONITOR_SECONDS = 1.0


class Dispatcher(Protocol):
    """What the executor needs of Temporal (the adapter, or a fake in unit tests)."""

    def start(self, workflow_id: str, ticket: JobTicket) -> None: ...

    def cancel(self, workflow_id: str) -> None: ...

    def pollers(self, queue: str) -> list[str]: ...

    def close(self) -> None: ...


@dataclass
class _Waiting:
    spec: JobSpec
    workflow_id: str
    queue: str
    since: float
    looked: bool = False  # whether the monitor checked for pollers once already


class TemporalExecutor:
    def __init__(
        self,
        engine_id: str,
        dispatcher: Dispatcher,
        book: JobBook,
        *,
        wait_for_worker_seconds: float = 300.0,
        attempts: int = 3,
        heartbeat_seconds: float = 10.0,
        clock: Callable[[], float] = time.time,
        own_workers: OwnWorkers | None = None,
    ) -> None:
        self.engine_id = engine_id
        self.own_workers = own_workers
        self.dispatcher = dispatcher
        self.book = book
        self.wait = wait_for_worker_seconds
        self.attempts = attempts
        self.heartbeat = heartbeat_seconds
        self.clock = clock
        self._waiting: dict[int, _Waiting] = {}
        self._workflows: dict[int, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.notes = JobNotes(book, clock)
        self._monitor: threading.Thread | None = None

    @classmethod
    def connect(
        cls,
        engine_id: str,
        address: str,
        namespace: str,
        book: JobBook,
        *,
        own_workers: OwnWorkers | None = None,
        **options: float,
    ) -> TemporalExecutor:
        return cls(
            engine_id,
            TemporalJobs(address, namespace),
            book,
            own_workers=own_workers,
            **options,  # type: ignore[arg-type]
        )

    def start(self, wake: Callable[[], None]) -> None:
        self.notes.wake = wake
        if self.own_workers is not None:
            self.own_workers.start()
        self._monitor = threading.Thread(target=self._watch, name="temporal-monitor", daemon=True)
        self._monitor.start()

    def workflow_id(self, job_id: int) -> str:
        return f"shipyard-{self.engine_id}-job-{job_id}"

    def dispatch(self, job: JobSpec) -> None:
        queue = pools.task_queue(job.pool, job.demands)
        ticket = JobTicket(
            job_id=job.job_id,
            run_id=job.run_id,
            queue=queue,
            attempts=self.attempts,
            heartbeat_seconds=self.heartbeat,
            timeout_seconds=float(max(1, job.timeout_minutes or 360) * 60 + 120),
        )
        workflow_id = self.workflow_id(job.job_id)
        try:
            self.dispatcher.start(workflow_id, ticket)
        except ShipyardError as err:
            self._fail(job, f"the job could not be handed to Temporal: {err.message}")
            return
        with self._lock:
            self._workflows[job.job_id] = workflow_id
            self._waiting[job.job_id] = _Waiting(job, workflow_id, queue, self.clock())

    def cancel(self, job_id: int) -> None:
        with self._lock:
            workflow_id = self._workflows.get(job_id)
        if workflow_id is not None:
            with contextlib.suppress(ShipyardError):
                self.dispatcher.cancel(workflow_id)

    def reap(self, jobs: Sequence[QueuedJob]) -> None:
        """Nothing to kill from here: a job's worker stops it when it sees the cancel."""

    def close(self) -> None:
        self._stop.set()
        if self._monitor is not None:
            self._monitor.join(5)
        if self.own_workers is not None:
            self.own_workers.close()
        self.dispatcher.close()

    # -- the monitor ------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stop.wait(MONITOR_SECONDS):
            with contextlib.suppress(Exception):  # a monitor must outlive a bad moment
                self.check_waiting()

    def check_waiting(self) -> None:
        """Forget claimed jobs; fail those nobody can take after the wait."""
        with self._lock:
            waiting = list(self._waiting.values())
        claimed: dict[int, bool] = {}
        for entry in waiting:
            run_id = entry.spec.run_id
            if run_id not in claimed:
                for q in self.book.queued_jobs(run_id):
                    claimed[q.job_id] = q.claimed_by is not None
            job_id = entry.spec.job_id
            state = claimed.get(job_id)
            if state is None:  # no longer queued (canceled before anyone took it)
                self._forget(job_id)
                with contextlib.suppress(ShipyardError):
                    self.dispatcher.cancel(entry.workflow_id)
                continue
            if state:  # a worker has it: Temporal's heartbeats watch it from here
                self._forget(job_id)
                continue
            if not entry.looked:  # once, off the engine's thread: is anybody there?
                entry.looked = True
                self._announce(entry)
            if self.clock() - entry.since < self.wait:
                continue
            try:
                polling = self.dispatcher.pollers(entry.queue)
            except ShipyardError:
                continue  # Temporal is away: that is not "no worker"
            if polling:
                continue  # busy workers of its pool: it waits its turn
            self._forget(job_id)
            with contextlib.suppress(ShipyardError):
                self.dispatcher.cancel(entry.workflow_id)
            spec = entry.spec
            demands = " ".join(f"--capability {d}" for d in spec.demands)
            where = pools.describe(spec.pool, spec.demands)
            self._fail(
                spec,
                f"no worker can take this job: no worker of {where} "
                f"polled task queue '{entry.queue}' in {self.wait:.0f} s "
                f"(start one with `shipyard worker --pool {spec.pool}"
                f"{' ' + demands if demands else ''}`)",
            )

    def _announce(self, entry: _Waiting) -> None:
        with contextlib.suppress(ShipyardError):
            if not self.dispatcher.pollers(entry.queue):
                spec = entry.spec
                self._log(
                    spec,
                    f"Waiting for a worker of {pools.describe(spec.pool, spec.demands)}: none "
                    f"polls task queue '{entry.queue}' yet (up to {self.wait:.0f} s).",
                )

    def _forget(self, job_id: int) -> None:
        with self._lock:
            self._waiting.pop(job_id, None)

    def _log(self, job: JobSpec, text: str) -> None:
        self.notes.log(job, text)

    def _fail(self, job: JobSpec, message: str) -> None:
        self.notes.fail(job, message)
