"""A job on a worker: event data kept out of script text, tasks, limits, workspaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.executor.steps import task_of
from shipyard.flow.run.spec import StepDef
from tests.unit.run.harness import Harness, statuses

HOSTILE = 'x";touch${IFS}pwned;#'


def test_event_data_reaches_scripts_only_as_environment_variables(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        """
variables:
  tag: $(Build.SourceBranchName)
steps:
- script: echo "$(Build.SourceBranch) $(tag)"
- bash: echo $(Build.SourceBranchName)
""",
        branch=HOSTILE,
    )
    assert str(run.status) == "succeeded", statuses(run)
    scripts = [s.script for s in h.launcher.started]
    assert scripts == ['echo "${BUILD_SOURCEBRANCH} ${TAG}"', "echo ${BUILD_SOURCEBRANCHNAME}"]
    assert all("pwned" not in s for s in scripts)
    env = h.launcher.started[0].env
    assert env["BUILD_SOURCEBRANCH"] == f"refs/heads/{HOSTILE}"
    assert env["TAG"] == HOSTILE


def test_plain_variables_are_substituted_as_azure_does(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.run("variables:\n  who: world\nsteps:\n- script: echo hello $(who) $(nothing)\n")
    assert h.launcher.started[0].script == "echo hello world $(nothing)"


def test_script_steps_run_like_azure_runs_them(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.run("steps:\n- script: echo a\n- bash: echo b\n")
    cmdline, bash = h.launcher.started
    assert cmdline.argv[1:3] == ["--noprofile", "--norc"] and cmdline.argv[3].endswith(".sh")
    assert len(bash.argv) == 2 and bash.argv[1].endswith(".sh")
    assert cmdline.cwd.name == "s"


def test_secrets_are_not_exported_unless_mapped(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    h.run(
        "steps:\n- script: echo x\n  env:\n    MAPPED: $(token)\n",
        secrets={"token": "zzz-secret"},
    )
    env = h.launcher.started[0].env
    assert "TOKEN" not in env and env["MAPPED"] == "zzz-secret"
    assert not any(k.startswith("SHIPYARD_") and k != "SHIPYARD_JOB_TOKEN" for k in env)


def test_a_task_without_a_plugin_fails_naming_the_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shipyard.executor.steps.find", lambda name, major: None)
    h = Harness.create(tmp_path)
    run = h.run(
        "steps:\n- task: HelmInstaller@0\n  inputs:\n    helmVersion: 3.15.0\n  name: helm\n"
    )
    step = run.stages[0].jobs[0].steps[-1]
    assert str(step.status) == "failed"
    assert "HelmInstaller@0" in step.message and "no plugin" in step.message


def test_pwsh_is_reported_unsupported_without_powershell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pwsh there
    h = Harness.create(tmp_path)
    run = h.run("steps:\n- pwsh: Write-Host hi\n  name: ps\n")
    step = run.stages[0].jobs[0].steps[-1]
    assert str(step.status) == "failed" and "pwsh" in step.message


def test_shortcuts_are_tasks() -> None:
    assert task_of(StepDef("s", "s", "script", "echo"))[0] == "CmdLine@2"
    assert task_of(StepDef("s", "s", "bash", "echo"))[0] == "Bash@3"
    assert task_of(StepDef("s", "s", "pwsh", "x"))[0] == "PowerShell@2"
    assert task_of(StepDef("s", "s", "publish", "out"))[0] == "PublishPipelineArtifact@1"
    assert task_of(StepDef("s", "s", "download", "current"))[0] == "DownloadPipelineArtifact@2"


def test_huge_output_is_truncated_with_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIPYARD_MAX_STEP_LOG_BYTES", "2000")
    h = Harness.create(tmp_path)
    lines = "\n".join(f"echo line {i:04d} {'x' * 40}" for i in range(200))
    run = h.run(
        "steps:\n- script: |\n"
        + "\n".join("    " + x for x in lines.splitlines())
        + "\n  name: big\n"
    )
    log = h.log(run.id, "big")
    assert sum(len(x) + 1 for x in log) < 2600
    assert "Output truncated" in log[-1]


def test_binary_output_is_replaced(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run("steps:\n- script: |\n    bytes 7f454c460200010a\n  name: bin\n")
    assert any(line.startswith("[binary output:") for line in h.log(run.id, "bin"))


def test_a_step_timeout_kills_the_process_and_fails_the_step(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    ticks = iter(range(0, 10_000_000, 30))
    h.worker.runner.clock = lambda: float(next(ticks))  # 30 s pass per look at the clock
    run = h.run(
        """
steps:
- script: hang
  name: slow
  timeoutInMinutes: 1
- script: echo after
  name: after
"""
    )
    got = statuses(run)
    assert got["__default/Job/slow"] == "failed"
    assert got["__default/Job/after"] == "skipped"
    assert h.launcher.processes[0].killed
    assert any("timed out" in line for line in h.log(run.id, "slow"))


def test_the_workspace_has_azure_layout_and_is_removed_afterwards(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        "steps:\n"
        "- script: echo $(Pipeline.Workspace) $(Build.ArtifactStagingDirectory)\n"
        "  name: s\n"
    )
    out = h.log(run.id, "s")
    root = tmp_path / "work" / str(run.id) / str(run.stages[0].jobs[0].id)
    assert f"{root} {root}/a" in out
    assert not root.exists()
