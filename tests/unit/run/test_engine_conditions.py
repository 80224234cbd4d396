"""Conditions at run time: each level sees the results it should, when it should."""

from __future__ import annotations

from pathlib import Path

from tests.unit.run.harness import Harness, statuses


def test_a_step_condition_sees_the_steps_before_it(tmp_path: Path) -> None:
    run = Harness.create(tmp_path).run(
        """
steps:
- script: exit 2
  name: breaks
- script: echo skipped
  name: normal
- script: echo cleanup
  name: on_failure
  condition: failed()
- script: echo always
  name: always
  condition: always()
- script: echo ok
  name: either
  condition: succeededOrFailed()
"""
    )
    got = statuses(run)
    assert got["__default/Job/breaks"] == "failed"
    assert got["__default/Job/normal"] == "skipped"
    assert got["__default/Job/on_failure"] == "succeeded"
    assert got["__default/Job/always"] == "succeeded"
    assert got["__default/Job/either"] == "succeeded"
    assert got["__default/Job"] == "failed" and str(run.status) == "failed"


def test_jobs_see_the_results_of_their_dependencies(tmp_path: Path) -> None:
    run = Harness.create(tmp_path).run(
        """
jobs:
- job: Build
  steps:
  - script: exit 1
- job: Test
  dependsOn: Build
  steps:
  - script: echo t
- job: Report
  dependsOn: Build
  condition: failed()
  steps:
  - script: echo r
- job: Named
  dependsOn: [Build, Test]
  condition: and(failed('Build'), eq(dependencies.Test.result, 'Skipped'))
  steps:
  - script: echo n
"""
    )
    got = statuses(run)
    assert got["__default/Build"] == "failed"
    assert got["__default/Test"] == "skipped"
    assert got["__default/Report"] == "succeeded"
    assert got["__default/Named"] == "succeeded"


def test_stage_conditions_and_skips_cascade(tmp_path: Path) -> None:
    run = Harness.create(tmp_path).run(
        """
variables:
  deploy: 'false'
stages:
- stage: Build
  jobs:
  - job: B
    steps:
    - script: echo b
- stage: Deploy
  condition: and(succeeded(), eq(variables.deploy, 'true'))
  jobs:
  - job: D
    steps:
    - script: echo d
- stage: After
  jobs:
  - job: A
    steps:
    - script: echo a
- stage: Always
  dependsOn: Deploy
  condition: always()
  jobs:
  - job: X
    steps:
    - script: echo x
"""
    )
    got = statuses(run)
    assert got["Deploy"] == "skipped" and got["Deploy/D"] == "skipped"
    assert got["Deploy/D/__checkout"] == "skipped"
    assert got["After"] == "skipped"  # its dependency was skipped: succeeded() is false
    assert got["Always"] == "succeeded"
    assert str(run.status) == "succeeded"


def test_a_condition_that_cannot_be_evaluated_fails_what_it_guards(tmp_path: Path) -> None:
    run = Harness.create(tmp_path).run(
        """
jobs:
- job: A
  condition: gt(1, 'x')
  steps:
  - script: echo a
"""
    )
    job = run.stages[0].jobs[0]
    assert str(job.status) == "failed" and "cannot evaluate condition" in job.message


def test_continue_on_error_makes_a_failure_an_issue(tmp_path: Path) -> None:
    run = Harness.create(tmp_path).run(
        """
steps:
- script: exit 1
  name: soft
  continueOnError: true
- script: echo next
  name: next
"""
    )
    got = statuses(run)
    assert got["__default/Job/soft"] == "succeededWithIssues"  # as Azure records it
    assert got["__default/Job/next"] == "succeeded"
    assert got["__default/Job"] == "succeededWithIssues"
    assert str(run.status) == "succeededWithIssues"


def test_a_disabled_step_is_skipped(tmp_path: Path) -> None:
    run = Harness.create(tmp_path).run("steps:\n- script: echo x\n  name: off\n  enabled: false\n")
    assert statuses(run)["__default/Job/off"] == "skipped"


def test_agent_job_status_reaches_scripts(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.run(
        """
steps:
- script: exit 1
- script: echo status=$AGENT_JOBSTATUS
  name: report
  condition: always()
"""
    )
    assert any("status=Failed" in line for line in h.log(1, "report"))
