"""Packaging a chart and pushing it to a registry: shared by HelmDeploy@0 and AzureCLI.

A chart is pushed as an OCI artifact under the registry's ``helm/`` namespace
(``oci://127.0.0.1:5000/helm/delivery:v1.0.2``), where the release pipeline installs it
from (``helm upgrade --install ... oci://REGISTRY/helm/delivery --version v1.0.2``). What is
pushed is read back from the archive itself (``helm show chart``), so the build record
names the version and app version the chart really carries, and the digest comes from the
registry after the push.

``az acr helm push`` without ``--force`` refuses to replace a chart version that is already
there, as Azure's does: a release version is published once.
"""

from __future__ import annotations

from pathlib import Path

from shipyard.flow.builds import SEMVER, ChartInfo, StepFailed
from shipyard.flow.connections import RegistryEndpoint
from shipyard.tasks.api import TaskContext
from shipyard.tasks.plugins._build import JobImages, record, toolbox, workdir
from shipyard.tasks.plugins._images import LoggedRunner

NAMESPACE = "helm"


def oci_tag(version: str) -> str:
    """Helm stores a chart version as an OCI tag with ``+`` written ``_``."""
    return version.replace("+", "_")


def package(
    ctx: TaskContext,
    chart: Path,
    dest: Path,
    *,
    version: str = "",
    app_version: str = "",
    dependency_update: bool = False,
) -> tuple[Path, ChartInfo]:
    if version and not SEMVER.match(version):
        raise StepFailed(
            f"chart version '{version}' is not a semantic version (e.g. v1.0.2 or 1.0.2)",
            hint="release branches are named release/<service>/v<semver>",
        )
    if not chart.is_dir():
        raise StepFailed(f"no chart folder at {chart}")
    helm = toolbox(ctx).helm()
    archive = helm.package(
        chart,
        dest,
        LoggedRunner(ctx),
        version=version,
        app_version=app_version,
        dependency_update=dependency_update,
    )
    info = helm.show_chart(archive)
    ctx.log(
        f"Packaged chart {info.name} {info.version} (appVersion {info.app_version or '-'}) "
        f"to {archive}"
    )
    state = JobImages.load(ctx)
    state.charts[str(archive)] = {
        "name": info.name,
        "version": info.version,
        "app_version": info.app_version,
    }
    state.save()
    return archive, info


def publish(ctx: TaskContext, archive: Path, endpoint: RegistryEndpoint, *, force: bool) -> str:
    """Push a packaged chart; returns its digest and records it with the run."""
    if not archive.is_file():
        raise StepFailed(f"no chart archive at {archive}")
    tools = toolbox(ctx)
    info = tools.helm().show_chart(archive)
    if not info.name or not info.version:
        raise StepFailed(f"{archive.name} has no chart name or version")
    repo, tag = f"{NAMESPACE}/{info.name}", oci_tag(info.version)
    where = f"oci://{endpoint.address}/{repo}:{tag}"
    existing = tools.registries().manifest_digest(endpoint, repo, tag)
    if existing and not force:
        raise StepFailed(
            f"chart {info.name} {info.version} is already in {endpoint.address}/{repo} "
            f"({existing}); a published version is not replaced",
            hint="release a new version, or add --force to replace it",
        )
    tools.helm().push(archive, endpoint, NAMESPACE, workdir(ctx, "helm"), LoggedRunner(ctx))
    digest = tools.registries().manifest_digest(endpoint, repo, tag)
    if not digest:
        raise StepFailed(f"helm push succeeded but {where} is not in the registry")
    ctx.log(f"Pushed chart {where}@{digest}")
    record(
        ctx,
        "chart",
        info.name,
        reference=where,
        digest=digest,
        data={
            "version": info.version,
            "app_version": info.app_version,
            "archive": archive.name,
            "commit": ctx.variable("Build.SourceVersion") or "",
            "registry": endpoint.address,
        },
    )
    return digest
