"""Build and test tasks: Docker@1, Docker@2, PublishTestResults@2 and ShipyardScan@1.

Inputs, aliases, pick lists and defaults follow Azure's task definitions
(``Tasks/DockerV1``, ``Tasks/DockerV2``, ``Tasks/PublishTestResultsV2`` ``task.json`` in
microsoft/azure-pipelines-tasks) and the "Required when" lines of their reference pages.

Where Shipyard deliberately differs:
- Docker@1 ``imageName`` and Docker@2 ``repository`` have no default and are required when an
  image is built, pushed or run. Azure falls back to ``$(Build.Repository.Name)``, which in a
  monorepo names the repository, not the service: every service would push to the same image.
- Pick-list values are checked (Azure's Docker ``command`` is editable and passes anything to
  ``docker``); Shipyard runs only the commands listed.
"""

from __future__ import annotations

from shipyard.config.tasks import policies
from shipyard.config.tasks.model import (
    TaskSpec,
    connection,
    flag,
    lines,
    path,
    pick,
    text,
)

_ACR = "Azure Container Registry"
_BUILDS = "command = build"
_RUNS = "command = run"

DOCKER_1 = TaskSpec(
    "Docker",
    1,
    "Build, tag, push or run Docker images",
    (
        pick(
            "containerregistrytype",
            [_ACR, "Container Registry"],
            default=_ACR,
            required="command != logout",
        ),
        connection("dockerRegistryEndpoint"),
        connection("azureSubscriptionEndpoint"),
        text("azureContainerRegistry"),
        flag("addBaseImageData", default=True),
        pick(
            "command",
            [
                ("build", "Build an image"),
                ("tag", "Tag image"),
                ("push", "Push an image"),
                ("run", "Run an image"),
                "login",
                "logout",
            ],
            default="Build an image",
            required=True,
        ),
        path("dockerFile", default="**/Dockerfile", required=_BUILDS),
        lines("arguments"),
        flag("pushMultipleImages"),
        flag("tagMultipleImages"),
        text(
            "imageName",
            required=(
                f"{_BUILDS} || {_RUNS} || command = push && pushMultipleImages = false"
                " || command = tag && tagMultipleImages = false"
            ),
        ),
        path(
            "imageNamesPath",
            required="tagMultipleImages = true || pushMultipleImages = true",
        ),
        flag("qualifyImageName", default=True),
        flag("qualifySourceImageName"),
        flag("includeSourceTags"),
        flag("includeLatestTag"),
        flag("addDefaultLabels", default=True),
        flag("useDefaultContext", default=True),
        path("buildContext"),
        path("imageDigestFile"),
        text("containerName"),
        lines("ports"),
        lines("volumes"),
        lines("envVars"),
        text("workingDirectory"),
        text("entrypointOverride"),
        text("containerCommand"),
        flag("runInBackground", default=True),
        pick(
            "restartPolicy",
            [
                ("no", "No"),
                ("onFailure", "On failure"),
                ("always", "Always"),
                ("unlessStopped", "Unless stopped"),
            ],
            default="no",
            required="runInBackground = true",
        ),
        text("maxRestartRetries"),
        connection("dockerHostEndpoint"),
        flag("enforceDockerNamingConvention", default=True),
        text("memoryLimit"),
    ),
    rules=(policies.warn_include_latest_tag, policies.refuse_latest_image_name),
)

DOCKER_2 = TaskSpec(
    "Docker",
    2,
    "Build or push Docker images, log in or out, start or stop containers",
    (
        connection("containerRegistry"),
        text("repository", required="command = buildAndPush || command = push"),
        pick(
            "command",
            ["buildAndPush", "build", "push", "login", "logout", "start", "stop"],
            default="buildAndPush",
            required=True,
        ),
        path(
            "Dockerfile",
            default="**/Dockerfile",
            required="command = build || command = buildAndPush",
        ),
        path("buildContext", default="**"),
        lines("tags", default="$(Build.BuildId)"),
        text("arguments"),
        flag("addPipelineData", default=True),
        flag("addBaseImageData", default=True),
        text("container", required="command = start || command = stop"),
    ),
    rules=(policies.refuse_latest_tags,),
)

PUBLISH_TEST_RESULTS_2 = TaskSpec(
    "PublishTestResults",
    2,
    "Publish test results (JUnit, NUnit, VSTest, XUnit, CTest)",
    (
        pick(
            "testResultsFormat",
            ["JUnit", "NUnit", "VSTest", "XUnit", "CTest"],
            "testRunner",
            default="JUnit",
            required=True,
        ),
        lines("testResultsFiles", default="**/TEST-*.xml", required=True),
        text("searchFolder", default="$(System.DefaultWorkingDirectory)"),
        flag("mergeTestResults"),
        flag("failTaskOnFailedTests"),
        flag("failTaskOnFailureToPublishResults"),
        flag("failTaskOnMissingResultsFile"),
        text("testRunTitle"),
        text("buildPlatform", "platform"),
        text("buildConfiguration", "configuration"),
        flag("publishRunAttachments", default=True),
    ),
)

SHIPYARD_SCAN_1 = TaskSpec(
    "ShipyardScan",
    1,
    "Scan an image for known vulnerabilities and write its SBOM",
    (
        text("image", required=True),
        pick(
            "failOn",
            ["critical", "high", "medium", "low", "none"],
            default="high",
            required=True,
        ),
        pick("sbomFormat", ["cyclonedx-json", "spdx-json"], default="cyclonedx-json"),
        path("ignoreFile"),
    ),
)

SPECS = (DOCKER_1, DOCKER_2, PUBLISH_TEST_RESULTS_2, SHIPYARD_SCAN_1)
