"""A pipeline from ``shipyard run`` to ``shipyard tests``: real git, bash and worker processes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.run.conftest import Shipyard

pytestmark = pytest.mark.integration

REGISTRY = "pipelines:\n  app: azure-pipelines.yml\n"
JUNIT = """<testsuites><testsuite name="unit">
<testcase classname="shop.Cart" name="adds_items" time="0.01"/>
<testcase classname="shop.Cart" name="applies_discount" time="0.02">
<failure message="expected 90 but was 100">Traceback: cart.py line 12</failure>
</testcase></testsuite></testsuites>"""

PIPELINE = f"""
trigger:
  branches:
    include: [main]
stages:
- stage: Build
  jobs:
  - job: Compile
    steps:
    - script: |
        mkdir -p out
        echo "binary for $(Build.SourceBranchName)" > out/app.bin
        echo "##vso[task.setvariable variable=version;isOutput=true]1.0.$(Build.BuildId)"
      name: compile
    - task: PublishPipelineArtifact@1
      inputs:
        targetPath: out
        artifact: bin
  - job: UnitTests
    steps:
    - bash: |
        mkdir -p TestResults
        cat > TestResults/TEST-unit.xml <<'XML'
        {JUNIT.replace(chr(10), chr(10) + "        ")}
        XML
      name: tests
    - task: PublishTestResults@2
      name: publish
      inputs:
        testResultsFormat: JUnit
        testResultsFiles: '**/TEST-*.xml'
        failTaskOnFailedTests: true
    - script: echo after-tests
      name: after
- stage: Package
  dependsOn: Build
  condition: succeededOrFailed()
  jobs:
  - job: Pack
    variables:
      version: $[ stageDependencies.Build.Compile.outputs['compile.version'] ]
    steps:
    - checkout: none
    - task: DownloadPipelineArtifact@2
      inputs:
        artifactName: bin
        targetPath: $(Pipeline.Workspace)/bin
    - script: cat $(Pipeline.Workspace)/bin/app.bin && echo "version=$(version)"
      name: show
"""


def _statuses(run: dict[str, object]) -> dict[str, str]:
    out: dict[str, str] = {}
    for stage in run["stages"]:  # type: ignore[attr-defined]
        for job in stage["jobs"]:
            out[f"{stage['name']}/{job['name']}"] = job["status"]
            for step in job["steps"]:
                out[f"{stage['name']}/{job['name']}/{step['name']}"] = step["status"]
    return out


def test_a_pipeline_runs_end_to_end(
    make_repo: Callable[[dict[str, str]], Path], shipyard: Shipyard
) -> None:
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": PIPELINE})
    done = shipyard(
        "run", "app", "--event", "branch", "--ref", "main", "--repo", str(repo), "-o", "json"
    )
    assert done.returncode == 1, done.stderr  # a red test fails the run
    run = json.loads(done.stdout)
    got = _statuses(run)
    assert got["Build/Compile"] == "succeeded"
    assert got["Build/UnitTests/publish"] == "failed"  # it fails at this step
    assert got["Build/UnitTests/after"] == "skipped"
    assert got["Package/Pack"] == "succeeded"
    assert run["status"] == "failed"
    assert run["tests"] == {"passed": 1, "failed": 1}
    assert [a["name"] for a in run["artifacts"]] == ["bin"]

    tests = shipyard("tests", str(run["id"]))
    assert tests.returncode == 1
    assert "shop.Cart.applies_discount" in tests.stdout
    assert "expected 90 but was 100" in tests.stdout

    logs = shipyard("logs", str(run["id"]), "--step", "show")
    assert logs.returncode == 0, logs.stderr
    assert "binary for main" in logs.stdout
    assert f"version=1.0.{run['id']}" in logs.stdout

    listed = json.loads(shipyard("runs", "-o", "json").stdout)
    assert [(r["id"], r["status"]) for r in listed] == [(run["id"], "failed")]
    shown = shipyard("runs", "show", str(run["id"]))
    assert shown.returncode == 1 and "applies_discount" not in shown.stdout
    assert "Bash" in shown.stdout or "Script" in shown.stdout


def test_a_green_run_exits_zero_and_follow_shows_progress(
    make_repo: Callable[[dict[str, str]], Path], shipyard: Shipyard
) -> None:
    repo = make_repo(
        {"shipyard.yml": REGISTRY, "azure-pipelines.yml": "steps:\n- script: echo hello\n"}
    )
    done = shipyard("run", "app", "--ref", "main", "--repo", str(repo), "--follow")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout


def test_errors_are_messages_not_tracebacks(
    make_repo: Callable[[dict[str, str]], Path], shipyard: Shipyard
) -> None:
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": "steps:\n- script: x\n"})
    unknown = shipyard("run", "nope", "--ref", "main", "--repo", str(repo))
    assert unknown.returncode == 2 and "no pipeline named 'nope'" in unknown.stderr
    missing = shipyard("runs", "show", "42")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    secret = shipyard(
        "run", "app", "--ref", "main", "--repo", str(repo), "--secret", "NOPE_NOT_SET"
    )
    assert secret.returncode == 2 and "not set" in secret.stderr
