"""The engine: one loop, the only writer of run state.

Everything that can change a run arrives as a typed input and is handled in this loop,
one at a time (Zuul's scheduler works the same way):

- a run request (from this process, or a ``submit`` command in the store),
- a cancel (from this process, or a ``cancel`` command in the store),
- reports from executors, read from the store in the order they were sent,
- decisions resolved from outside (an approval, a released lock).

After handling its inputs the loop lets the :class:`Scheduler` move every changed run
forward, commits the resulting :class:`Batch` (state and events in one transaction),
publishes the events, and hands new jobs to the executor. It then sleeps until an
executor rings (a report is waiting) or a short poll interval passes.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from shipyard.domain.diagnostics import ShipyardError
from shipyard.domain.events import Push, merge_pending
from shipyard.flow.run import recovery
from shipyard.flow.run.changes import Batch
from shipyard.flow.run.compile import Compiler
from shipyard.flow.run.gates import Gatekeeper, has_waiting
from shipyard.flow.run.recorder import Recorder
from shipyard.flow.run.records import EngineRecord, RunEvent
from shipyard.flow.run.reports import apply_report
from shipyard.flow.run.scheduler import Scheduler
from shipyard.flow.run.snapshot import RunSnapshot
from shipyard.flow.run.spec import RunRequest
from shipyard.flow.run.status import Status
from shipyard.ports import Clock, EventBus, Executor, Gate, RunStore

POLL_SECONDS = 0.25
COALESCE_SECONDS = 0.003
HEARTBEAT_SECONDS = 5.0


@dataclass(slots=True)
class _Submit:
    request: RunRequest
    future: Future[int | None] = field(default_factory=Future)


@dataclass(slots=True)
class _Cancel:
    run_id: int


class Engine:
    def __init__(
        self,
        store: RunStore,
        executor: Executor,
        bus: EventBus,
        compiler: Compiler,
        clock: Clock,
        *,
        gate: Gate | None = None,
        adopt: bool = True,
        engine_id: str | None = None,
    ) -> None:
        self.store = store
        self.executor = executor
        self.bus = bus
        self.compiler = compiler
        self.clock = clock
        self.gate = gate
        self.adopt = adopt
        self.id = engine_id or new_engine_id()
        self.active: dict[int, RunSnapshot] = {}
        self.crashed: BaseException | None = None
        self.gates = Gatekeeper(store, gate)
        self._inbox: list[_Submit | _Cancel] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._dirty: set[int] = set()
        self._done: set[int] = set()
        self._settled: dict[int, bool] = {}
        self._last_tick = 0.0

    # -- public API ------------------------------------------------------------------
    def start(self, *, thread: bool = True) -> None:
        now = self.clock.now()
        self.store.register_engine(EngineRecord(self.id, recovery.this_host(), _pid(), now, now))
        events, leftovers = recovery.sweep(self.store, now, me=self.id)
        self.bus.publish(events)
        if leftovers:
            self.executor.reap(leftovers)
        self.executor.start(self.wake)
        if self.adopt:
            self._adopt()
        if thread:
            self._thread = threading.Thread(target=self._loop, name="shipyard-engine", daemon=True)
            self._thread.start()

    def submit(self, request: RunRequest) -> Future[int | None]:
        """Queue a run request; the future gives the run id (None when it was batched)."""
        item = _Submit(request)
        with self._lock:
            self._inbox.append(item)
        self.wake()
        return item.future

    def cancel(self, run_id: int) -> None:
        with self._lock:
            self._inbox.append(_Cancel(run_id))
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def adopt_run(self, run_id: int) -> bool:
        """Take over a released run (one that waited while no engine ran)."""
        run = next((r for r in self.store.unfinished_runs() if r.id == run_id), None)
        if run is None:
            return False
        if run.engine_id and run.engine_id != self.id:
            # Never take a run from an engine that still runs (a server, another CLI): it
            # sees the decision itself. A dead engine's run is fair game.
            owner = next((e for e in self.store.engines() if e.id == run.engine_id), None)
            if owner is not None and recovery.engine_alive(owner, self.clock.now()):
                return False
        if not self.store.adopt_run(run_id, self.id, run.engine_id):
            return False
        self._activate(self.store.load_run(run_id))
        self.wake()
        return True

    def stop(self) -> None:
        """Stop the loop; runs that only wait are released for a later engine."""
        self._stopping.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout=30)
        batch = Batch(self.clock.now())
        for snap in self.active.values():
            in_flight = any(j.dispatched and not j.status.final for j in snap.jobs())
            if not snap.status.final and not in_flight:
                batch.update("run", snap.id, engine_id=None)
        self._commit(batch)  # runs still in flight are settled by the next start's sweep
        self.executor.close()
        self.store.stop_engine(self.id, self.clock.now())

    def settled(self, run_id: int) -> bool:
        """Finished, or nothing in flight and something waiting on a decision.

        Answers from what the loop has committed (safe to ask from another thread).
        """
        return run_id in self._done or self._settled.get(run_id, False)

    # -- the loop --------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stopping.is_set():
            if self._wake.wait(POLL_SECONDS):
                # Reports come in bursts (a step ends, the next starts): gather them, so
                # that one transaction applies several and the workers wait less on the lock.
                time.sleep(COALESCE_SECONDS)
            self._wake.clear()
            try:
                self.run_once()
            except Exception as exc:  # the loop must not die silently
                self.crashed = exc
                traceback.print_exc(file=sys.stderr)
                self.bus.publish([RunEvent("engine", 0, self.clock.now(), "failed")])
                return

    def run_once(self) -> None:
        """One turn of the loop: inputs, then scheduling, then timers."""
        with self._lock:
            inbox, self._inbox = self._inbox, []
        for item in inbox:
            if isinstance(item, _Submit):
                self._submit(item)
            else:
                self._cancel(item.run_id)
        self._store_commands()
        self._reports()
        self._resolved_decisions()
        self._advance()
        self._timers()
        self._settled = {rid: _is_settled(snap) for rid, snap in self.active.items()}

    # -- inputs ----------------------------------------------------------------------
    def _submit(self, item: _Submit) -> None:
        request = item.request
        try:
            if request.batch and request.event.get("kind") == "push" and self._batched(request):
                item.future.set_result(None)
                return
            item.future.set_result(self._create(request))
        except Exception as exc:
            item.future.set_exception(exc)

    def _batched(self, request: RunRequest) -> bool:
        active = self.store.active_run(request.pipeline, request.ref)
        if active is None:
            return False
        push = Push(request.ref, str(request.event["before"]), str(request.event["after"]))
        taken = self.store.take_pending(request.pipeline, request.ref)
        merged = merge_pending(taken[0] if taken else None, request.pipeline, push)
        if merged is not None:
            self.store.save_pending(merged, taken[1] if taken else request)
        self._commit_events(
            [RunEvent("batched", active, self.clock.now(), data={"push": push.after})]
        )
        return True

    def _create(self, request: RunRequest) -> int:
        now = self.clock.now()
        run_id = self.store.create_run(request, self.id, now)
        try:
            spec = self.compiler.compile(request, run_id, self.store.next_counter, now)
        except ShipyardError as err:
            snap = self.store.load_run(run_id)
            batch = Batch(now)
            for line in _diagnostic_lines(err):
                batch.log(run_id, None, None, line)
            Recorder(snap, batch).run(Status.failed, err.message)
            self._commit(batch)
            self._done.add(run_id)
            return run_id
        snap = self.store.save_plan(run_id, spec)
        batch = Batch(now)
        batch.event("run", run_id, Status.queued, data={"build_number": spec.build_number})
        for warning in spec.warnings:
            batch.log(run_id, None, None, f"##[warning]{warning}")
        self._commit(batch)
        self._activate(snap)
        return run_id

    def _activate(self, snap: RunSnapshot) -> None:
        self.active[snap.id] = snap
        self.gates.load(snap.id)
        self._dirty.add(snap.id)

    def _cancel(self, run_id: int) -> None:
        snap = self.active.get(run_id)
        if snap is None or snap.status.final or snap.cancel_requested:
            return
        snap.cancel_requested = True
        batch = Batch(self.clock.now())
        rec = Recorder(snap, batch)
        batch.event("run", run_id, snap.status, data={"cancel_requested": True})
        claimed = {q.job_id for q in self.store.queued_jobs(run_id) if q.claimed_by}
        running: list[int] = []
        for job in snap.jobs():
            if not job.dispatched or job.status.final:
                continue
            if job.id in claimed or job.status is Status.running:
                running.append(job.id)
            else:  # handed out but not started: it never will be
                rec.close_job(job, Status.canceled, "the run was canceled")
                batch.dequeue.append(job.id)
        batch.cancels += running
        self._commit(batch)
        for job_id in running:
            self.executor.cancel(job_id)
        self._dirty.add(run_id)

    def _store_commands(self) -> None:
        for kind, run_id, data in self.store.take_commands(self.id):
            if kind == "cancel" and run_id is not None:
                self._cancel(run_id)
            elif kind == "submit":
                self._submit(_Submit(RunRequest.from_json(dict(data))))

    def _reports(self) -> None:
        reports = self.store.pending_reports(list(self.active))
        if not reports:
            return
        batch = Batch(self.clock.now())
        for report in reports:
            snap = self.active[report.run_id]
            if apply_report(Recorder(snap, batch), report):
                self._dirty.add(snap.id)
            batch.reports_done.append(report.id)
        self._commit(batch)

    def _resolved_decisions(self) -> None:
        batch = Batch(self.clock.now())
        self._dirty |= self.gates.resolved(self.active, batch, self.clock.now())
        self._commit(batch)

    # -- scheduling ------------------------------------------------------------------
    def _advance(self) -> None:
        while self._dirty:
            run_id = self._dirty.pop()
            snap = self.active.get(run_id)
            if snap is None:
                continue
            batch = Batch(self.clock.now(), engine_id=self.id)
            scheduler = Scheduler(
                snap,
                Recorder(snap, batch),
                self.store.next_counter,
                partial(self.gates.verdict, snap, batch),
            )
            jobs = scheduler.advance()
            batch.queue += jobs
            self._commit(batch)
            for job in jobs:
                self.executor.dispatch(job)
            if snap.status.final:
                self._finished(snap)

    def _finished(self, snap: RunSnapshot) -> None:
        self._done.add(snap.id)
        self.active.pop(snap.id, None)
        self.gates.forget(snap.id)
        if snap.spec is None:
            return
        taken = self.store.take_pending(snap.spec.pipeline, snap.spec.ref)
        if taken is None:
            return
        pending, template = taken
        push = pending.as_push()
        event = {"kind": "push", "ref": push.ref, "before": push.before, "after": push.after}
        request = RunRequest(
            **{**template.as_json(), "event": event, "sha": push.after, "reason": "BatchedCI"}
        )
        self._submit(_Submit(request))

    # -- timers ----------------------------------------------------------------------
    def _timers(self) -> None:
        now = self.clock.now()
        if now - self._last_tick < HEARTBEAT_SECONDS:
            return
        self._last_tick = now
        self.store.heartbeat_engine(self.id, now)
        for snap in list(self.active.values()):
            self._check_leases(snap, now)

    def _check_leases(self, snap: RunSnapshot, now: float) -> None:
        batch = Batch(now)
        if recovery.lost_jobs(Recorder(snap, batch), self.store.queued_jobs(snap.id), now):
            self._dirty.add(snap.id)
        self._commit(batch)

    def _adopt(self) -> None:
        for run in self.store.unfinished_runs():
            if run.engine_id is None and self.store.adopt_run(run.id, self.id, None):
                self._activate(self.store.load_run(run.id))

    # -- writing ---------------------------------------------------------------------
    def _commit(self, batch: Batch) -> list[RunEvent]:
        if not batch:
            return []
        events = self.store.commit(batch)
        self.bus.publish(events)
        return events

    def _commit_events(self, events: list[RunEvent]) -> None:
        batch = Batch(self.clock.now())
        batch.events += events
        self._commit(batch)


def new_engine_id() -> str:
    return uuid.uuid4().hex


def _pid() -> int:
    return os.getpid()


def _is_settled(snap: RunSnapshot) -> bool:
    if snap.status.final:
        return True
    busy = any(j.dispatched and not j.status.final for j in snap.jobs())
    return has_waiting(snap) and not busy


def _diagnostic_lines(err: ShipyardError) -> list[str]:
    lines = [f"##[error]{err.message}"]
    diagnostics: Any = getattr(err, "diagnostics", ())
    lines += [f"##[error]{d.render()}" for d in diagnostics]
    return lines
