"""Variables at run time: ``$[ ]`` when the job starts, outputs across jobs and stages."""

from __future__ import annotations

from pathlib import Path

from tests.unit.run.harness import Harness, statuses

OUTPUTS = """
stages:
- stage: Build
  jobs:
  - job: Version
    steps:
    - script: echo "##vso[task.setvariable variable=tag;isOutput=true]1.2.3"
      name: setver
  - job: Use
    dependsOn: Version
    variables:
      tag: $[ dependencies.Version.outputs['setver.tag'] ]
    steps:
    - script: echo "tag=$(tag)"
      name: show
- stage: Deploy
  condition: eq(dependencies.Build.outputs['Version.setver.tag'], '1.2.3')
  jobs:
  - job: Ship
    variables:
      tag: $[ stageDependencies.Build.Version.outputs['setver.tag'] ]
    steps:
    - script: echo "ship=$(tag)"
      name: ship
"""


def test_output_variables_flow_to_later_jobs_and_stages(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(OUTPUTS)
    assert str(run.status) == "succeeded", statuses(run)
    assert "tag=1.2.3" in h.log(run.id, "show")
    assert "ship=1.2.3" in h.log(run.id, "ship")


def test_outputs_are_environment_references_in_scripts(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.run(OUTPUTS)
    script = next(s.script for s in h.launcher.started if "tag=" in s.script)
    assert script.strip() == 'echo "tag=${TAG}"'  # output values are data, not script text


def test_an_output_is_also_visible_later_in_the_same_job(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        """
steps:
- script: echo "##vso[task.setvariable variable=v;isOutput=true]x1"
  name: s1
- script: echo "got $(s1.v) and $S1_V"
  name: s2
"""
    )
    assert "got x1 and x1" in h.log(run.id, "s2")


def test_deployment_job_outputs_carry_the_job_name(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        """
jobs:
- deployment: Rollout
  environment: qa
  strategy:
    runOnce:
      deploy:
        steps:
        - script: echo "##vso[task.setvariable variable=url;isOutput=true]http://qa"
          name: where
- job: Check
  dependsOn: Rollout
  variables:
    url: $[ dependencies.Rollout.outputs['Rollout.where.url'] ]
  steps:
  - script: echo "url=$(url)"
    name: check
"""
    )
    assert str(run.status) == "succeeded", statuses(run)
    assert "url=http://qa" in h.log(run.id, "check")
    assert [s.name for s in run.stages[0].jobs[0].steps] == ["where"]  # no implicit checkout


def test_runtime_expressions_and_counters_are_evaluated_when_the_job_starts(
    tmp_path: Path,
) -> None:
    h = Harness.create(tmp_path)
    yaml = """
variables:
  major: '3'
jobs:
- job: A
  variables:
    patch: $[ counter(variables['major'], 10) ]
    shout: $[ upper(variables['Build.SourceBranchName']) ]
  steps:
  - script: echo "v$(major).$(patch) $(shout)"
    name: s
"""
    first = h.run(yaml)
    second = h.run(yaml)
    assert "v3.10 MAIN" in h.log(first.id, "s")
    assert "v3.11 MAIN" in h.log(second.id, "s")


def test_build_number_revision_counts_runs(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    yaml = "name: app-$(Rev:rr)\nsteps:\n- script: echo x\n"
    assert [h.run(yaml).build_number for _ in range(2)] == ["app-01", "app-02"]


def test_the_commit_message_is_an_environment_variable_never_script_text(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    subject = 'fix: quote "$(id)" and `uname`; ' + "x" * 250
    pipeline = 'steps:\n- script: echo "msg=$(Build.SourceVersionMessage)"\n  displayName: show\n'
    run = h.run(pipeline, message=f"{subject}\n\nthe body stays out\n")
    assert str(run.status) == "succeeded", statuses(run)
    started = next(s for s in h.launcher.started if "msg=" in s.script)
    assert started.script.strip() == 'echo "msg=${BUILD_SOURCEVERSIONMESSAGE}"'
    assert started.env["BUILD_SOURCEVERSIONMESSAGE"] == subject[:200]  # Azure: first line, 200
