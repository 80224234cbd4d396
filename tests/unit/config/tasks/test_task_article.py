"""The seven task steps of the reference article's build pipeline validate cleanly.

Copied from "Build a CI/CD pipeline for microservices on Kubernetes with Azure DevOps and Helm"
(the indentation of step 7's script fixed: as printed, its block scalar is not valid YAML).
"""

from __future__ import annotations

from textwrap import dedent

import jsonschema
import pytest

from shipyard.config.tasks import REGISTRY, json_schema, normalize_inputs, parse_acr_helm_push
from shipyard.config.tasks.azcli import HelmPush
from shipyard.config.yamlsrc import YMap, load_text
from shipyard.domain.diagnostics import Diagnostics

from .helpers import check_step

ARTICLE_STEPS = """
steps:
- task: Docker@1
  inputs:
    azureSubscriptionEndpoint: $(AzureSubscription)
    azureContainerRegistry: $(AzureContainerRegistry)
    arguments: '--pull --target testrunner'
    dockerFile: $(System.DefaultWorkingDirectory)/$(dockerFileName)
    imageName: '$(imageName)-test'

- task: Docker@1
  inputs:
    azureSubscriptionEndpoint: $(AzureSubscription)
    azureContainerRegistry: $(AzureContainerRegistry)
    command: 'run'
    containerName: testrunner
    volumes: '$(System.DefaultWorkingDirectory)/TestResults:/app/tests/TestResults'
    imageName: '$(imageName)-test'
    runInBackground: false

- task: PublishTestResults@2
  inputs:
    testResultsFormat: 'VSTest'
    testResultsFiles: 'TestResults/*.trx'
    searchFolder: '$(System.DefaultWorkingDirectory)'
    publishRunAttachments: true

- task: Docker@1
  inputs:
    azureSubscriptionEndpoint: $(AzureSubscription)
    azureContainerRegistry: $(AzureContainerRegistry)
    dockerFile: $(System.DefaultWorkingDirectory)/$(dockerFileName)
    includeLatestTag: false
    imageName: '$(imageName)'

- task: Docker@1
  inputs:
    azureSubscriptionEndpoint: $(AzureSubscription)
    azureContainerRegistry: $(AzureContainerRegistry)
    command: 'Push an image'
    imageName: '$(imageName)'
    includeSourceTags: false

- task: HelmDeploy@0
  inputs:
    command: package
    chartPath: $(chartPath)
    chartVersion: $(Build.SourceBranchName)
    arguments: '--app-version $(Build.SourceBranchName)'

- task: AzureCLI@1
  inputs:
    azureSubscription: $(AzureSubscription)
    scriptLocation: inlineScript
    inlineScript: |
      az acr helm push $(System.ArtifactsDirectory)/$(repositoryName)-$(Build.SourceBranchName).tgz --name $(AzureContainerRegistry);
"""  # noqa: E501 - the article's line, verbatim


def _steps() -> list[YMap]:
    diags = Diagnostics()
    source = load_text(dedent(ARTICLE_STEPS), "ci-delivery.yml", diags)
    assert source is not None and not diags
    return list(source.root["steps"])


@pytest.mark.parametrize("index", range(7))
def test_article_step_validates_cleanly(index: int) -> None:
    assert [d.render() for d in check_step(_steps()[index])] == []


def test_article_steps_normalise_to_what_the_plugins_read() -> None:
    steps = _steps()
    build_test, run_tests, publish, _, push, package, helm_push = map(_normalized, steps)
    assert build_test["command"] == "build"
    assert build_test["dockerFile"] == "$(System.DefaultWorkingDirectory)/$(dockerFileName)"
    assert run_tests["command"] == "run"
    assert run_tests["runInBackground"] == "false"
    assert publish["testResultsFormat"] == "VSTest"
    assert publish["mergeTestResults"] == "false"
    assert push["command"] == "push"
    assert package["chartVersion"] == "$(Build.SourceBranchName)"
    assert package["destination"] == "$(Build.ArtifactStagingDirectory)"
    assert parse_acr_helm_push(helm_push["inlineScript"]) == [
        HelmPush(
            "$(System.ArtifactsDirectory)/$(repositoryName)-$(Build.SourceBranchName).tgz",
            "$(AzureContainerRegistry)",
        )
    ]


def _normalized(step: YMap) -> dict[str, str]:
    name, major = str(step["task"]).split("@")
    spec = REGISTRY.get(name, int(major))
    assert spec is not None
    return normalize_inputs(spec, step["inputs"])


def test_the_article_inputs_satisfy_their_generated_schemas() -> None:
    for step in _steps():
        name, major = str(step["task"]).split("@")
        spec = REGISTRY.get(name, int(major))
        assert spec is not None
        jsonschema.validate(dict(step["inputs"]), json_schema(spec))
