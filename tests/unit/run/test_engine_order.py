"""The engine runs stages, jobs and steps in dependency order, parallel where independent."""

from __future__ import annotations

from pathlib import Path

from tests.unit.run.harness import Harness, statuses

TWO_STAGES = """
stages:
- stage: Build
  jobs:
  - job: A
    steps:
    - script: echo a1
      name: a1
    - script: echo a2
      name: a2
  - job: B
    steps:
    - script: echo b
      name: b
  - job: C
    dependsOn: [A, B]
    steps:
    - script: echo c
      name: c
- stage: Deploy
  jobs:
  - job: D
    steps:
    - script: echo d
      name: d
"""


def test_independent_jobs_are_handed_out_together_and_dependents_after(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run_id = h.submit(TWO_STAGES)
    h.engine.run_once()
    first = [j.job for j in h.executor.dispatched]
    assert first == ["A", "B"]  # parallel: both at once, C waits for them
    h.drive(run_id)
    order = [j.job for j in h.executor.dispatched]
    assert order == ["A", "B", "C", "D"]
    run = h.store.get_run(run_id)
    assert run is not None and str(run.status) == "succeeded"
    assert set(statuses(run).values()) == {"succeeded"}


def test_steps_run_in_order_and_each_job_checks_out_first(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(TWO_STAGES)
    job_a = run.stages[0].jobs[0]
    assert [s.name for s in job_a.steps] == ["__checkout", "a1", "a2"]
    starts = [s.started_at for s in job_a.steps]
    assert starts == sorted(starts)
    assert h.log(run.id, "a2")[-2] == "a2"


def test_a_stage_starts_only_after_the_stages_it_depends_on(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(TWO_STAGES)
    build, deploy = run.stages
    assert build.finished_at is not None and deploy.started_at is not None
    assert deploy.started_at >= build.finished_at


def test_every_change_is_published_and_stored_as_an_event(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    sub = h.bus.subscribe()
    run = h.run(TWO_STAGES)
    seen = []
    while (event := sub.get(timeout=0)) is not None:
        seen.append(event)
    stored = h.store.events_after(run.id, 0, limit=10_000)
    assert [e.id for e in seen] == [e.id for e in stored]
    kinds = {(e.kind, e.status) for e in seen}
    assert ("run", "running") in kinds and ("run", "succeeded") in kinds
    assert ("step", "running") in kinds and ("job", "succeeded") in kinds


def test_a_pipeline_with_only_steps_runs_as_one_job(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run("steps:\n- script: echo hi\n")
    assert str(run.status) == "succeeded"
    assert [j.name for j in run.stages[0].jobs] == ["Job"]


def test_an_invalid_pipeline_fails_the_run_with_its_errors_in_the_log(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run("steps:\n- scrip: echo hi\n")
    assert str(run.status) == "failed"
    text = "\n".join(line.text for line in h.store.logs(run.id))
    assert "scrip" in text and "##[error]" in text
