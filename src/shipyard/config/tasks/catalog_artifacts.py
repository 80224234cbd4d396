"""Artifact tasks: PublishPipelineArtifact@1, DownloadPipelineArtifact@2, PublishBuildArtifacts@1.

Copied from Azure's task definitions (``Tasks/PublishPipelineArtifactV1``,
``Tasks/DownloadPipelineArtifactV2``, ``Tasks/PublishBuildArtifactsV1``) and their reference
pages, which is where the YAML names come from: the page's name is canonical (``targetPath``,
``publishLocation``), the ``task.json`` name is an alias (``path``, ``artifactType``). Rules
name inputs by either; both resolve to the same input.
"""

from __future__ import annotations

from shipyard.config.tasks.model import TaskSpec, flag, lines, number, path, pick, text

_WORKSPACE = "$(Pipeline.Workspace)"
_SPECIFIC = "source == specific"

PUBLISH_PIPELINE_ARTIFACT_1 = TaskSpec(
    "PublishPipelineArtifact",
    1,
    "Publish a file or directory as a named artifact of the run",
    (
        path("targetPath", "path", default=_WORKSPACE, required=True),
        text("artifact", "artifactName"),
        pick(
            "publishLocation",
            [("pipeline", "Azure Pipelines"), ("filepath", "A file share")],
            "artifactType",
            default="pipeline",
            required=True,
        ),
        text("fileSharePath", required="artifactType = filepath"),
        flag("parallel"),
        number("parallelCount", default=8),
        text("properties"),
    ),
)

DOWNLOAD_PIPELINE_ARTIFACT_2 = TaskSpec(
    "DownloadPipelineArtifact",
    2,
    "Download artifacts of this run or of another pipeline's run",
    (
        pick("buildType", ["current", "specific"], "source", default="current", required=True),
        text("project", required=_SPECIFIC),
        text("definition", "pipeline", required=_SPECIFIC),
        flag("specificBuildWithTriggering", "preferTriggeringPipeline"),
        pick(
            "buildVersionToDownload",
            ["latest", "latestFromBranch", "specific"],
            "runVersion",
            default="latest",
            required=_SPECIFIC,
        ),
        text(
            "branchName",
            "runBranch",
            default="refs/heads/master",
            required=f"{_SPECIFIC} && runVersion == latestFromBranch",
        ),
        text("pipelineId", "runId", "buildId", required=f"{_SPECIFIC} && runVersion == specific"),
        text("tags"),
        flag("allowPartiallySucceededBuilds"),
        flag("allowFailedBuilds"),
        text("artifactName", "artifact"),
        lines("itemPattern", "patterns", default="**"),
        path("targetPath", "path", "downloadPath", default=_WORKSPACE, required=True),
    ),
)

PUBLISH_BUILD_ARTIFACTS_1 = TaskSpec(
    "PublishBuildArtifacts",
    1,
    "Publish build artifacts",
    (
        path("PathtoPublish", default="$(Build.ArtifactStagingDirectory)", required=True),
        text("ArtifactName", default="drop", required=True),
        pick(
            "publishLocation",
            [("Container", "Azure Pipelines"), ("FilePath", "A file share")],
            "ArtifactType",
            default="Container",
            required=True,
        ),
        number("MaxArtifactSize", default=0),
        text("TargetPath", required="ArtifactType = FilePath"),
        flag("Parallel"),
        number("ParallelCount", default=8),
        text("FileCopyOptions"),
        flag("StoreAsTar"),
    ),
)

SPECS = (PUBLISH_PIPELINE_ARTIFACT_1, DOWNLOAD_PIPELINE_ARTIFACT_2, PUBLISH_BUILD_ARTIFACTS_1)
