"""The article's snippets, restored as complete YAML, keep the article's content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.unit.examples.support import REPO

ARTICLE = REPO / "tests" / "fixtures" / "article"
STEP_FILES = sorted(ARTICLE.glob("step-*.yml"))


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_trigger_block_has_its_restored_keys() -> None:
    trigger = _load(ARTICLE / "trigger.yml")["trigger"]
    assert trigger == {
        "batch": True,
        "branches": {
            "include": [
                "release/delivery/v*",
                "refs/release/delivery/v*",
                "master",
                "feature/delivery/*",
                "topic/delivery/*",
            ]
        },
        "paths": {"include": ["/src/shipping/delivery/"]},
    }


def test_each_of_the_seven_steps_is_a_standalone_steps_list() -> None:
    assert len(STEP_FILES) == 7
    tasks = []
    for path in STEP_FILES:
        doc = _load(path)
        assert list(doc) == ["steps"]
        [step] = doc["steps"]
        assert set(step) == {"task", "inputs"}
        tasks.append(step["task"])
    assert tasks == [
        "Docker@1",
        "Docker@1",
        "PublishTestResults@2",
        "Docker@1",
        "Docker@1",
        "HelmDeploy@0",
        "AzureCLI@1",
    ]


def test_the_step_inputs_are_the_articles() -> None:
    build, run, publish, runtime, push, package, chart = (
        _load(p)["steps"][0]["inputs"] for p in STEP_FILES
    )
    assert build["arguments"] == "--pull --target testrunner"
    assert build["imageName"] == "$(imageName)-test"
    assert (run["command"], run["containerName"], run["runInBackground"]) == (
        "run",
        "testrunner",
        False,
    )
    assert run["volumes"] == "$(System.DefaultWorkingDirectory)/TestResults:/app/tests/TestResults"
    assert (publish["testResultsFormat"], publish["testResultsFiles"]) == (
        "VSTest",
        "TestResults/*.trx",
    )
    assert runtime["includeLatestTag"] is False
    assert (push["command"], push["includeSourceTags"]) == ("Push an image", False)
    assert package == {
        "command": "package",
        "chartPath": "$(chartPath)",
        "chartVersion": "$(Build.SourceBranchName)",
        "arguments": "--app-version $(Build.SourceBranchName)",
    }
    assert chart["inlineScript"].startswith(
        "az acr helm push $(System.ArtifactsDirectory)/$(repositoryName)-"
        "$(Build.SourceBranchName).tgz --name $(AzureContainerRegistry);"
    )


def test_the_combined_pipeline_is_the_trigger_and_the_seven_steps() -> None:
    doc = _load(ARTICLE / "azure-pipelines.yml")
    assert doc["trigger"] == _load(ARTICLE / "trigger.yml")["trigger"]
    combined = [{k: v for k, v in s.items() if k != "condition"} for s in doc["steps"]]
    assert combined == [_load(p)["steps"][0] for p in STEP_FILES]
    referenced = {"imageName", "dockerFileName", "chartPath", "repositoryName", "fullCI"}
    referenced |= {"AzureSubscription", "AzureContainerRegistry"}
    assert {v["name"] for v in doc["variables"]} == referenced
