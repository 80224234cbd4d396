"""After a crash: nothing stays ``running`` forever.

When an engine starts (and when a command reads runs), runs owned by an engine that is
gone are looked at once:

- a run that had work in flight (a job running, or claimed by a worker, or a run that
  died while it was being compiled) is *interrupted*: its running jobs fail with a line in
  their log saying so, everything that had not started is canceled, the run fails. Log
  lines written before the crash stay.
- a run with nothing in flight (waiting on a decision, or between jobs) is safe to resume:
  it is released, and the next engine that adopts it carries on where it stopped.

An engine is gone when its heartbeat is older than :data:`STALE_AFTER`, or when it ran
on this host and its process no longer exists (a ``kill -9`` is noticed at once).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from shipyard.flow.run.changes import Batch
from shipyard.flow.run.recorder import Recorder
from shipyard.flow.run.records import EngineRecord, QueuedJob, RunEvent, RunRecord
from shipyard.flow.run.status import Status
from shipyard.ports import RunStore

STALE_AFTER = 60.0
LEASE_SECONDS = 45.0


def this_host() -> str:
    return os.uname().nodename


def engine_alive(engine: EngineRecord, now: float) -> bool:
    if engine.stopped_at is not None:
        return False
    if engine.host == this_host():
        try:
            os.kill(engine.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # exists, owned by someone else
    return now - engine.heartbeat_at < STALE_AFTER


def sweep(
    store: RunStore,
    now: float,
    me: str | None = None,
    alive: Callable[[EngineRecord, float], bool] = engine_alive,
) -> tuple[list[RunEvent], list[QueuedJob]]:
    """Settle the runs of engines that are gone; returns the events and the queue
    entries whose processes may still need killing."""
    engines = {e.id: e for e in store.engines()}
    events: list[RunEvent] = []
    leftovers: list[QueuedJob] = []
    for run in store.unfinished_runs():
        if run.engine_id is None or run.engine_id == me:
            continue
        owner = engines.get(run.engine_id)
        if owner is not None and alive(owner, now):
            continue
        batch, queued = _settle(store, run, owner, now)
        leftovers += queued
        events += store.commit(batch)
    return events, leftovers


def _settle(
    store: RunStore, run: RunRecord, owner: EngineRecord | None, now: float
) -> tuple[Batch, list[QueuedJob]]:
    snap = store.load_run(run.id)
    queued = store.queued_jobs(run.id)
    batch = Batch(now)
    rec = Recorder(snap, batch)
    claimed = {q.job_id for q in queued if q.claimed_by}
    in_flight = [j for j in snap.jobs() if j.status is Status.running or j.id in claimed]
    if snap.spec is not None and not in_flight:
        batch.update("run", run.id, engine_id=None)
        batch.dequeue += [q.job_id for q in queued]  # handed out, never started: hand out again
        batch.event("run", run.id, snap.status, data={"released": True})
        return batch, []
    who = f"engine {owner.id[:8]} (pid {owner.pid} on {owner.host})" if owner else "its engine"
    why = f"interrupted: {who} stopped while the run was in progress"
    for job in in_flight:
        batch.log(run.id, job.id, None, f"##[error]The job was {why}.")
        rec.close_job(job, Status.failed, why)
    for stage in snap.stages.values():
        if not stage.status.final:
            rec.close_stage(stage, Status.failed if _any_failed(stage) else Status.canceled)
    rec.run(Status.failed, why)
    batch.dequeue += [q.job_id for q in queued]
    return batch, [q for q in queued if q.pgids]


def lost_jobs(rec: Recorder, queued: list[QueuedJob], now: float) -> bool:
    """Fail jobs whose worker stopped renewing its lease; True when there were any."""
    lost = False
    for entry in queued:
        job = rec.snap.job_by_id(entry.job_id)
        if job is None or job.status.final or entry.claimed_by is None:
            continue
        if now - (entry.heartbeat_at or 0.0) > LEASE_SECONDS:
            rec.batch.log(rec.snap.id, job.id, None, "##[error]The job's worker stopped answering.")
            rec.close_job(job, Status.failed, "the worker running this job was lost")
            rec.batch.dequeue.append(job.id)
            lost = True
    return lost


def _any_failed(stage: object) -> bool:
    jobs = getattr(stage, "jobs", {})
    return any(j.status is Status.failed for j in jobs.values())
