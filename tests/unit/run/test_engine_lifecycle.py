"""Cancel, outside decisions, restarts and crashes: how a run survives them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from shipyard.flow.run.records import EngineRecord, Report, RunRecord
from shipyard.flow.run.recovery import sweep
from tests.unit.run.harness import Harness, statuses

GATED = """
stages:
- stage: Build
  jobs:
  - job: B
    steps:
    - script: echo b
- stage: Prod
  jobs:
  - deployment: Ship
    environment: production
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo shipped
            name: ship
"""


class ApprovalGate:
    """Asks for an approval before any job that deploys to production."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []

    def check(
        self, run: RunRecord, stage: str, job: str | None, environment: str
    ) -> tuple[str, str, dict[str, Any]] | None:
        if environment != "production":
            return None
        self.asked.append((stage, job))
        return "approval", f"deploy {run.pipeline} to production", {"environment": environment}


def test_a_gated_job_waits_without_a_process_and_resumes_after_a_restart(tmp_path: Path) -> None:
    gate = ApprovalGate()
    first = Harness.create(tmp_path, gate=gate)
    run_id = first.submit(GATED)
    first.drive(run_id)
    assert first.engine.settled(run_id)
    run = first.store.get_run(run_id)
    assert run is not None and str(run.status) == "running"
    assert statuses(run)["Prod/Ship"] == "waiting"
    pending = first.store.decisions(run_id, "pending")
    assert [(d.kind, d.stage, d.job) for d in pending] == [("approval", "Prod", "Ship")]
    first.engine.stop()  # nothing in flight: the run is released, not failed

    decision = first.store.resolve_decision(pending[0].id, True, "alice", "go")
    assert decision.status == "approved"

    second = Harness.create(tmp_path, gate=gate, store=first.store)
    assert run_id in second.engine.active  # adopted on start
    second.drive(run_id)
    run = second.store.get_run(run_id)
    assert run is not None and str(run.status) == "succeeded", statuses(run)
    assert gate.asked == [("Prod", "Ship")]  # asked once, not again after the restart


def test_a_rejected_decision_fails_the_job(tmp_path: Path) -> None:
    h = Harness.create(tmp_path, gate=ApprovalGate())
    run_id = h.submit(GATED)
    h.drive(run_id)
    pending = h.store.decisions(run_id, "pending")[0]
    h.store.resolve_decision(pending.id, False, "bob", "not today")
    h.engine.run_once()
    h.drive(run_id)
    run = h.store.get_run(run_id)
    assert run is not None and str(run.status) == "failed"
    assert "rejected by bob" in run.stages[1].jobs[0].message


def test_cancel_kills_the_running_step_and_runs_only_always_steps(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run_id = h.submit(
        """
steps:
- script: hang
  name: long
- script: echo not me
  name: after
- script: echo cleanup
  name: cleanup
  condition: always()
"""
    )
    h.engine.run_once()
    worker = threading.Thread(target=h.worker.run_one)
    worker.start()
    _wait_for(lambda: any(p.hang for p in h.launcher.processes))
    h.engine.cancel(run_id)
    h.engine.run_once()
    worker.join(timeout=10)
    h.drive(run_id)
    run = h.store.get_run(run_id)
    assert run is not None
    got = statuses(run)
    assert got["__default/Job/long"] == "canceled"
    assert got["__default/Job/after"] == "canceled"
    assert got["__default/Job/cleanup"] == "succeeded"
    assert str(run.status) == "canceled"
    assert h.launcher.processes[0].killed


def test_cancel_before_a_job_starts_cancels_it_and_what_follows(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run_id = h.submit(
        "jobs:\n- job: A\n  steps:\n  - script: echo a\n"
        "- job: B\n  dependsOn: A\n  steps:\n  - script: echo b\n"
    )
    h.engine.run_once()  # A handed out, not claimed
    h.engine.cancel(run_id)
    h.drive(run_id)
    run = h.store.get_run(run_id)
    assert run is not None
    assert statuses(run)["__default/A"] == "canceled"
    assert statuses(run)["__default/B"] == "canceled"
    assert str(run.status) == "canceled"


def test_a_crashed_engine_leaves_nothing_running(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run_id = h.submit("steps:\n- script: echo before\n  name: s\n- script: hang\n")
    h.engine.run_once()
    worker = threading.Thread(target=h.worker.run_one)
    worker.start()
    _wait_for(lambda: any(p.hang for p in h.launcher.processes))
    h.engine.run_once()  # the first step's report and log are applied
    _wait_for(lambda: any(q.pgids for q in h.store.queued_jobs(run_id)))  # a long step
    dead = h.engine.id
    # The engine "dies": a later start finds its heartbeat, but no process behind it.
    events, leftovers = sweep(h.store, time.time(), alive=lambda e, now: e.id != dead)
    run = h.store.get_run(run_id)
    assert run is not None and str(run.status) == "failed"
    assert "interrupted" in run.message
    job = run.stages[0].jobs[0]
    assert str(job.status) == "failed"
    assert "before" in [line.text for line in h.store.logs(run_id)]  # logs kept
    assert any("interrupted" in line.text for line in h.store.logs(run_id, job_id=job.id))
    assert any(e.kind == "run" and e.status == "failed" for e in events)
    assert [q.job_id for q in leftovers] == [job.id]  # its processes are reaped
    h.worker.parent_gone.set()
    worker.join(timeout=10)


def test_a_run_between_jobs_is_released_and_resumed(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run_id = h.submit("jobs:\n- job: A\n  steps:\n  - script: echo a\n")
    h.engine.run_once()  # A queued, not claimed
    dead = h.engine.id
    sweep(h.store, time.time(), alive=lambda e, now: e.id != dead)
    run = h.store.get_run(run_id)
    assert run is not None and run.engine_id is None and str(run.status) == "running"
    second = Harness.create(tmp_path, store=h.store)
    second.drive(run_id)
    run = second.store.get_run(run_id)
    assert run is not None and str(run.status) == "succeeded"


def test_an_engine_registers_and_a_stale_one_is_dead(tmp_path: Path) -> None:
    from shipyard.flow.run.recovery import engine_alive

    now = time.time()
    assert not engine_alive(EngineRecord("x", "elsewhere", 1, now - 999, now - 999), now)
    assert engine_alive(EngineRecord("y", "elsewhere", 1, now, now), now)
    assert not engine_alive(EngineRecord("z", "elsewhere", 1, now, now, stopped_at=now), now)


def _wait_for(check: Any, timeout: float = 10.0) -> None:
    end = time.time() + timeout
    while not check():
        assert time.time() < end, "timed out"
        time.sleep(0.01)


def test_a_run_is_never_taken_from_an_engine_that_still_runs(tmp_path: Path) -> None:
    first = Harness.create(tmp_path, gate=ApprovalGate())
    run_id = first.submit(GATED)
    first.drive(run_id)
    second = Harness.create(tmp_path, gate=ApprovalGate(), store=first.store)
    assert not second.engine.adopt_run(run_id)  # the first engine waits on it, alive
    first.engine.stop()
    assert run_id in second.engine.active or second.engine.adopt_run(run_id)


def test_a_job_taken_over_starts_its_steps_and_outputs_over(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run_id = h.submit(
        """
steps:
- script: echo one
  name: one
- script: echo two
  name: two
"""
    )
    h.engine.run_once()
    run = h.store.get_run(run_id)
    assert run is not None
    job = run.stages[0].jobs[0]
    first = next(s.id for s in job.steps if s.name == "one")
    # The lost attempt: it started, failed its first step, and was never heard of again.
    for report in (
        Report("job_started", run_id, job.id, {"worker": "lost#1"}),
        Report("step_started", run_id, job.id, step_id=first),
        Report("step_finished", run_id, job.id, {"status": "failed"}, step_id=first),
        Report("job_restarted", run_id, job.id, {"lost": "lost#1"}),
    ):
        h.store.report(report)
    h.engine.run_once()
    h.worker.run_one()  # the new attempt runs the job from its first step
    h.drive(run_id)
    run = h.store.get_run(run_id)
    assert run is not None
    got = statuses(run)
    assert got["__default/Job/one"] == "succeeded"  # not the lost attempt's "failed"
    assert str(run.status) == "succeeded"
    events = [(e.kind, e.status, e.step) for e in h.store.events_after(run_id, 0)]
    assert ("job_restarted", "", "") in events
    # Live views see the lost attempt's step go back to queued, then run again.
    lost = events.index(("step", "failed", "one"))
    assert ("step", "queued", "one") in events[lost:]
    assert ("step", "succeeded", "one") in events[lost:]
