"""Artifacts of a run: PublishPipelineArtifact@1, DownloadPipelineArtifact@2 and
PublishBuildArtifacts@1 (and the ``publish:``/``download:`` shortcuts).

Artifacts are kept by the store (``SHIPYARD_ARTIFACTS_DIR``), recorded per run, and a later
job of the same run downloads them by name. Publishing to a file share and downloading
another pipeline's artifacts (``source: specific``) are not supported in local runs: the
step fails and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.registry import register


def _path(ctx: TaskContext, value: str, default: Path) -> Path:
    path = Path(value) if value.strip() else default
    return path if path.is_absolute() else ctx.paths.sources / path


def _default_name(ctx: TaskContext) -> str:
    return ctx.variable("System.JobName") or "drop"


class PublishPipelineArtifact:
    name = "PublishPipelineArtifact"
    major = 1
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        if inputs.get("publishLocation", "pipeline") != "pipeline":
            return TaskOutcome.failed("publishing to a file share is not supported")
        source = _path(ctx, inputs.get("targetPath", ""), ctx.paths.workspace)
        ctx.publish_artifact(inputs.get("artifact") or _default_name(ctx), source, "pipeline")
        return TaskOutcome.ok()


class PublishBuildArtifacts:
    name = "PublishBuildArtifacts"
    major = 1
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        if inputs.get("publishLocation", "Container") != "Container":
            return TaskOutcome.failed("publishing to a file share is not supported")
        source = _path(ctx, inputs.get("PathtoPublish", ""), ctx.paths.staging)
        ctx.publish_artifact(inputs.get("ArtifactName") or "drop", source, "build")
        return TaskOutcome.ok()


class DownloadPipelineArtifact:
    name = "DownloadPipelineArtifact"
    major = 2
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        if inputs.get("buildType", "current") != "current":
            return TaskOutcome.failed(
                "downloading artifacts of another pipeline's run is not supported"
            )
        target = _path(ctx, inputs.get("targetPath", ""), ctx.paths.workspace)
        patterns = [p for p in inputs.get("itemPattern", "**").splitlines() if p.strip()]
        found = ctx.download_artifacts(inputs.get("artifactName") or None, target, patterns)
        if not found:
            ctx.warning("this run has no artifacts to download yet")
        return TaskOutcome.ok()


register(PublishPipelineArtifact())
register(PublishBuildArtifacts())
register(DownloadPipelineArtifact())
