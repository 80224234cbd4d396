"""The release pipeline: what a successful release build of a service is deployed through.

The article's release pipeline (deploy to QA, approval, retag into production, deploy to
production) is Shipyard's own, generated here from the release and the configured
environments, not read from the team's YAML: a pull request cannot reorder it, drop the
approval or point production at another registry namespace. It is still an ordinary run of
the engine (stages, deployment jobs with ``environment:``, task steps), so it is shown,
logged, waited on and resumed like every other run.

A :class:`Release` is everything the run needs, taken from the release build's records:
the service, its semver, the commit, the image and chart with their digests. It travels in
the run's event (``kind: release``), so the approval question and the ledger can quote it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from shipyard.deliver.environments import Environments
from shipyard.domain.diagnostics import InvalidInput
from shipyard.flow.run.spec import JobDef, RunRequest, RunSpec, StageDef, StepDef, VarDef

RELEASE_KIND = "release"
SEMVER = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?")
Counter = Callable[[str, int], int]


def normalize_version(text: str) -> str:
    """``1.0.2`` / ``v1.0.2`` -> ``v1.0.2``; raises InvalidInput for anything else."""
    match = SEMVER.fullmatch(text.strip())
    if match is None:
        raise InvalidInput([], f"'{text}' is not a version: expected vMAJOR.MINOR.PATCH (v1.0.2)")
    return "v" + text.strip().removeprefix("v")


def version_key(version: str) -> tuple[int, int, int, str]:
    match = SEMVER.fullmatch(version)
    if match is None:
        return (0, 0, 0, version)
    major, minor, patch, pre = match.groups()
    # A release outranks its own pre-releases (1.0.2 > 1.0.2-rc1).
    return (int(major), int(minor), int(patch), pre or "~")


def release_name(service: str, version: str) -> str:
    """The helm release of one version, Kubernetes-safe: ``delivery`` ``v1.0.2`` ->
    ``delivery-v1-0-2``, so that versions run side by side under their own names."""
    text = f"{service}-{normalize_version(version)}".lower()
    text = re.sub(r"[^a-z0-9-]+", "-", text).strip("-")
    return text[:53].rstrip("-")  # helm's limit for release names


@dataclass(frozen=True)
class Release:
    """One version of a service as its release build left it in the registry."""

    service: str
    version: str  # v1.0.2
    build_run_id: int
    commit: str
    author: str
    registry: str  # host:port
    plain_http: bool
    image_repository: str  # staging/delivery
    image_digest: str
    chart_repository: str  # helm/delivery
    chart_version: str
    chart_digest: str

    @property
    def release(self) -> str:
        return release_name(self.service, self.version)

    @property
    def image(self) -> str:
        return f"{self.registry}/{self.image_repository}:{self.version}@{self.image_digest}"

    @property
    def chart(self) -> str:
        return f"oci://{self.registry}/{self.chart_repository}:{self.chart_version}"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def event(self) -> dict[str, Any]:
        return {"kind": RELEASE_KIND, **self.as_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Release:
        try:
            return cls(
                service=str(data["service"]),
                version=str(data["version"]),
                build_run_id=int(data["build_run_id"]),
                commit=str(data["commit"]),
                author=str(data.get("author") or ""),
                registry=str(data["registry"]),
                plain_http=bool(data.get("plain_http")),
                image_repository=str(data["image_repository"]),
                image_digest=str(data["image_digest"]),
                chart_repository=str(data["chart_repository"]),
                chart_version=str(data["chart_version"]),
                chart_digest=str(data.get("chart_digest") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput([], f"not a release description: missing or bad {exc}") from None

    def request(self, path: tuple[str, ...], requested_for: str) -> RunRequest:
        """The run request of this release's pipeline through ``path`` (environments)."""
        return RunRequest(
            pipeline=f"{self.service}-release",
            file="(shipyard release pipeline)",
            repo="",
            event=self.event(),
            sha=self.commit,
            ref=f"refs/heads/release/{self.service}/{self.version}",
            reason="ResourceTrigger",
            parameters={"environments": ",".join(path)},
            requested_for=requested_for,
        )


def _stage_name(environment: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", environment)) or "Env"


def release_spec(
    release: Release,
    path: tuple[str, ...],
    number: str,
    run_id: int = 0,
    namespaces: Mapping[str, str] | None = None,
) -> RunSpec:
    """The generated pipeline: one stage per environment of ``path``, in order; each stage a
    deployment job on that environment (its gate asks for the approval the environment
    needs) with a smoke test after the deploy. An environment whose registry namespace
    (``namespaces``) is not the one the build pushed to gets a promotion first, wherever it
    stands in the path: ``--to production`` alone promotes too. Without ``namespaces``,
    every environment after the first is promoted into."""
    payload = json.dumps(release.as_json(), sort_keys=True)
    own = release.image_repository.split("/", 1)[0]
    stages: list[StageDef] = []
    previous = ""
    for index, env in enumerate(path):
        steps: list[StepDef] = []
        promote = namespaces.get(env, own) != own if namespaces is not None else index > 0
        if promote:
            steps.append(
                StepDef(
                    "Promote",
                    f"Promote {release.service}:{release.version} into {env}'s namespace",
                    "task",
                    "ShipyardPromote@1",
                    inputs={"release": payload, "environment": env},
                )
            )
        steps.append(
            StepDef(
                "Deploy",
                f"Deploy {release.release} to {env}",
                "task",
                "ShipyardDeploy@1",
                inputs={"release": payload, "environment": env},
            )
        )
        steps.append(
            StepDef(
                "SmokeTest",
                f"Smoke test {release.release} in {env}",
                "task",
                "ShipyardSmokeTest@1",
                inputs={"release": payload, "environment": env},
            )
        )
        name = _stage_name(env)
        job = JobDef(
            name=f"Deploy{name}",
            display_name=f"Deploy {release.service} {release.version} to {env}",
            steps=tuple(steps),
            deployment=True,
            environment=env,
            timeout_minutes=30,
        )
        stages.append(
            StageDef(
                name=name,
                display_name=f"{env}: {release.release}",
                jobs=(job,),
                depends_on=(previous,) if previous else (),
            )
        )
        previous = name
    return RunSpec(
        pipeline=f"{release.service}-release",
        file="(shipyard release pipeline)",
        repo="",
        ref=f"refs/heads/release/{release.service}/{release.version}",
        sha=release.commit,
        reason="ResourceTrigger",
        build_number=number,
        variables=(
            VarDef("Release.Service", release.service, readonly=True),
            VarDef("Release.Version", release.version, readonly=True),
            VarDef("Release.Name", release.release, readonly=True),
            VarDef("Build.BuildNumber", number, readonly=True),
            # The steps key their approval, lock and ledger lines on the run's id.
            VarDef("Build.BuildId", str(run_id), readonly=True),
        ),
        stages=tuple(stages),
    )


def release_path(request: RunRequest, environments: Environments) -> tuple[str, ...]:
    """The environments a release request goes through, each one configured."""
    text = request.parameters.get("environments", "")
    path = tuple(p for p in text.split(",") if p) or ("qa", "production")
    unknown = [p for p in path if environments.get(p) is None]
    if unknown:
        raise InvalidInput(
            [],
            f"unknown environment '{unknown[0]}' (configured: {', '.join(environments.names())})",
        )
    return path


class ReleaseCompiler:
    """The engine's :class:`~shipyard.flow.run.compile.Compiler` for release requests."""

    def __init__(self, environments: Environments) -> None:
        self.environments = environments

    def compile(self, request: RunRequest, run_id: int, counter: Counter, now: float) -> RunSpec:
        release = Release.from_json(request.event)
        path = release_path(request, self.environments)
        n = counter(f"release:{release.service}:{release.version}", 1)
        namespaces = {env: self.environments[env].registry_namespace for env in path}
        return release_spec(release, path, f"{release.release}-r{n}", run_id, namespaces)


class RoutingCompiler:
    """Release requests to :class:`ReleaseCompiler`, every other request to the pipeline's
    own compiler (the team's YAML at the commit)."""

    def __init__(self, pipelines: Any, releases: ReleaseCompiler) -> None:
        self.pipelines = pipelines
        self.releases = releases

    def compile(self, request: RunRequest, run_id: int, counter: Counter, now: float) -> RunSpec:
        if request.event.get("kind") == RELEASE_KIND:
            return self.releases.compile(request, run_id, counter, now)
        spec: RunSpec = self.pipelines.compile(request, run_id, counter, now)
        return spec
