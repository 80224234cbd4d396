"""One attempt of a job handed out by a distributed engine (Temporal, Kubernetes Jobs).

The engine's dispatcher gives a worker only ids. The worker claims that very job in the
store (a retry takes it over from the lost worker, and reaps what that worker left running
on this machine), runs it with the same :class:`~shipyard.executor.job.JobRunner` as a local
worker, and renews two leases while it runs: the dispatcher's heartbeat (so that the
dispatcher retries the job elsewhere if this process dies) and the store's (so that the run
engine knows the job is alive). The job stops when the dispatcher cancels the attempt, the
run is canceled, or another attempt took the job over (an attempt presumed dead that was
only slow must not write a second result).
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.adapters.shell import group_has_token, kill_group
from shipyard.executor.job import JobRunner
from shipyard.flow.run.records import QueuedJob, Report
from shipyard.flow.run.recovery import this_host
from shipyard.ports import Attempt, JobQueue

if TYPE_CHECKING:  # the Kubernetes agent never loads Temporal's SDK
    from shipyard.adapters.temporal import JobTicket

RAN = "ran"
GONE = "gone"


@dataclass
class RemoteJobs:
    """The activity body a distributed worker runs for each job it is handed."""

    queue: JobQueue
    runner: JobRunner
    host: str = ""
    clock: Callable[[], float] = time.time
    # Kubernetes starts a job's next pod only after the previous one failed, so any holder
    # of the job is a lost attempt; Temporal says so by the attempt number instead.
    retake_always: bool = False

    def __post_init__(self) -> None:
        self.host = self.host or this_host()

    def __call__(self, ticket: JobTicket, attempt: Attempt) -> str:
        return self.run(ticket.job_id, ticket.heartbeat_seconds, attempt)

    def run(self, job_id: int, heartbeat_seconds: float, attempt: Attempt) -> str:
        """Claim job ``job_id`` and run it: RAN, or GONE when there was nothing to run."""
        token = uuid.uuid4().hex
        retake = self.retake_always or attempt.number > 1
        holder = f"{attempt.worker}#{attempt.number}"
        claim = self.queue.claim_job(job_id, holder, self.host, token, retake=retake)
        if claim is None:
            return GONE  # finished, canceled, or another attempt holds it
        spec, previous = claim
        if previous.claimed_by is not None:
            self._reap(previous)
            self._note(spec.run_id, spec.job_id, previous, attempt)
            # What the lost attempt recorded starts over: its steps run again from the first.
            self.queue.report(
                Report("job_restarted", spec.run_id, spec.job_id, {"lost": previous.claimed_by})
            )
        lost = threading.Event()
        stop = threading.Event()
        interval = max(0.5, min(heartbeat_seconds / 3, 10.0))
        beat = threading.Thread(
            target=self._beat,
            args=(job_id, holder, attempt, interval, stop, lost),
            name=f"beat-{job_id}",
            daemon=True,
        )
        beat.start()

        def cancel_check() -> bool:
            return lost.is_set() or attempt.cancelled() or self.queue.cancel_requested(job_id)

        try:
            self.runner.run(spec, token, cancel_check)
        finally:
            stop.set()
            beat.join(5)
        return RAN

    def _beat(
        self,
        job_id: int,
        holder: str,
        attempt: Attempt,
        interval: float,
        stop: threading.Event,
        lost: threading.Event,
    ) -> None:
        started = self.clock()
        while not stop.wait(interval):
            attempt.heartbeat({"job_id": job_id, "running_s": round(self.clock() - started, 1)})
            with contextlib.suppress(Exception):  # the store is briefly away: try again
                if not self.queue.heartbeat(job_id, holder, self.clock()):
                    lost.set()  # taken over by a later attempt, or the job is gone

    def _reap(self, previous: QueuedJob) -> None:
        """Kill what the lost attempt left running, when it ran on this machine."""
        if previous.host != self.host:
            return
        for pgid in previous.pgids:
            if group_has_token(pgid, previous.token):
                kill_group(pgid)

    def _note(self, run_id: int, job_id: int, previous: QueuedJob, attempt: Attempt) -> None:
        number = attempt.number
        if self.retake_always:  # the engine does not count: the previous holder says which
            _, _, before = (previous.claimed_by or "").rpartition("#")
            number = int(before) + 1 if before.isdigit() else number
        self.queue.append_logs(
            run_id,
            job_id,
            None,
            [
                (
                    self.clock(),
                    f"##[warning]Attempt {number} on {attempt.worker}: the worker that ran "
                    f"this job before ({previous.claimed_by} on {previous.host}) was lost; "
                    "the job starts again from its first step.",
                )
            ],
        )
