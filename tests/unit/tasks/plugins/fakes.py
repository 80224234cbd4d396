"""Fakes of the build ports: a toolbox whose tools record what they were asked to do.

The fake builder writes nothing to disk except the files a real one would leave (the chart
archive); every call is recorded, so tests assert on the exact requests (the values the
adapters turn into argv). ``BuildContext`` is the recording task context with services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from shipyard.domain.scan import Finding, Judged, ScanPolicy, ScanResult, Severity
from shipyard.flow.builds import BuildRecord, BuildSpec, ChartInfo, ContainerSpec, StepFailed
from shipyard.flow.connections import Connections, RegistryEndpoint
from shipyard.ports import BuildRecorder, BuildToolbox, StepRunner
from shipyard.tasks.api import ProcessResult
from tests.unit.tasks.fakes import FakeContext

T = TypeVar("T")
REGISTRY = RegistryEndpoint("127.0.0.1:5000", secure=False)
IMAGE_ID = "sha256:" + "1" * 64
DIGEST = "sha256:" + "2" * 64
CHART_DIGEST = "sha256:" + "3" * 64


@dataclass
class FakeImages:
    built: list[BuildSpec] = field(default_factory=list)
    pushed: list[tuple[str, RegistryEndpoint]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    tagged: list[tuple[str, list[str]]] = field(default_factory=list)
    archives: list[tuple[str, Path]] = field(default_factory=list)
    local: dict[str, str] = field(default_factory=dict)
    fail_build: bool = False

    def build(self, spec: BuildSpec, run: StepRunner) -> str:
        if self.fail_build:
            raise StepFailed("buildah build failed: exit code 1")
        self.built.append(spec)
        for tag in spec.tags:
            self.local[tag] = IMAGE_ID
        return IMAGE_ID

    def tag(self, image: str, tags: Sequence[str], run: StepRunner) -> None:
        self.tagged.append((image, list(tags)))

    def push(
        self,
        image: str,
        dest: RegistryEndpoint,
        workdir: Path,
        run: StepRunner,
        *,
        source: str = "",
    ) -> str:
        self.pushed.append((image, dest))
        self.sources.append(source)
        return DIGEST

    def image_id(self, image: str) -> str | None:
        return self.local.get(image)

    def save_archive(self, image: str, dest: Path, run: StepRunner) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(b"archive")
        self.archives.append((image, dest))


@dataclass
class FakeContainers:
    ran: list[ContainerSpec] = field(default_factory=list)
    controlled: list[tuple[str, str]] = field(default_factory=list)
    exit_code: int = 0

    def run(self, spec: ContainerSpec, run: StepRunner) -> ProcessResult:
        self.ran.append(spec)
        return ProcessResult(self.exit_code)

    def control(self, action: str, name: str, run: StepRunner) -> ProcessResult:
        self.controlled.append((action, name))
        return ProcessResult(0)


@dataclass
class FakeHelm:
    packaged: list[dict[str, Any]] = field(default_factory=list)
    pushed: list[tuple[Path, RegistryEndpoint, str]] = field(default_factory=list)
    charts: dict[str, ChartInfo] = field(default_factory=dict)

    def version(self) -> str:
        return "v4.3.1"

    def tool_dir(self) -> Path:
        return Path("/opt/helm")

    def environment(self) -> dict[str, str]:
        return {"HELM_CONFIG_HOME": "/state/helm"}

    def package(
        self,
        chart: Path,
        dest: Path,
        run: StepRunner,
        *,
        version: str = "",
        app_version: str = "",
        dependency_update: bool = False,
    ) -> Path:
        self.packaged.append(
            {
                "chart": chart,
                "dest": dest,
                "version": version,
                "app_version": app_version,
                "dependency_update": dependency_update,
            }
        )
        dest.mkdir(parents=True, exist_ok=True)
        archive = dest / f"{chart.name}-{version or '0.1.0'}.tgz"
        archive.write_bytes(b"chart")
        self.charts[archive.name] = ChartInfo(chart.name, version or "0.1.0", app_version)
        return archive

    def show_chart(self, archive: Path) -> ChartInfo:
        return self.charts.get(archive.name) or ChartInfo("delivery", "v1.0.2", "v1.0.2")

    def push(
        self, archive: Path, dest: RegistryEndpoint, namespace: str, workdir: Path, run: StepRunner
    ) -> None:
        self.pushed.append((archive, dest, namespace))


@dataclass
class FakeRegistries:
    digests: dict[tuple[str, str], str] = field(default_factory=dict)

    def manifest_digest(self, endpoint: RegistryEndpoint, repo: str, ref: str) -> str | None:
        return self.digests.get((repo, ref))

    def tags(self, endpoint: RegistryEndpoint, repo: str) -> list[str]:
        return [ref for (r, ref) in self.digests if r == repo]


def finding(fid: str, package: str, version: str, severity: Severity) -> Finding:
    return Finding(fid, (), package, version, "PyPI", "", severity, "test")


@dataclass
class FakeScanner:
    policy: ScanPolicy = field(default_factory=ScanPolicy)
    result: ScanResult | None = None
    scans: list[tuple[str | Path, ScanPolicy, Path, str]] = field(default_factory=list)

    def policy_for(self, service: str) -> ScanPolicy:
        return ScanPolicy(fail_on=self.policy.fail_on, ignores=self.policy.ignores, service=service)

    def scan(
        self, target: str | Path, policy: ScanPolicy, out_dir: Path, sbom_format: str
    ) -> ScanResult:
        self.scans.append((target, policy, out_dir, sbom_format))
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("sbom.cdx.json", "scan-result.json", "scan-result.sarif"):
            (out_dir / name).write_text("{}")
        base = self.result or ScanResult("passed", str(target))
        return ScanResult(
            status=base.status,
            image=str(target),
            findings=base.findings,
            refusal=base.refusal,
            policy=policy.as_json(),
            artifacts={"sbom": str(out_dir / "sbom.cdx.json")},
            started_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC).isoformat(),
        )


def judged(f: Finding, disposition: str, reason: str = "") -> Judged:
    return Judged(f, disposition, reason or disposition)  # type: ignore[arg-type]


@dataclass
class FakeToolbox:
    image_tools: FakeImages = field(default_factory=FakeImages)
    container_tools: FakeContainers = field(default_factory=FakeContainers)
    helm_tool: FakeHelm = field(default_factory=FakeHelm)
    registry_tool: FakeRegistries = field(default_factory=FakeRegistries)
    scan_tool: FakeScanner = field(default_factory=FakeScanner)
    conns: Connections = field(default_factory=lambda: Connections(REGISTRY))
    args: dict[str, str] = field(
        default_factory=lambda: {"BASE_IMAGE": "127.0.0.1:5000/base/python:3.11-bookworm"}
    )

    def images(self) -> FakeImages:
        return self.image_tools

    def containers(self) -> FakeContainers:
        return self.container_tools

    def helm(self) -> FakeHelm:
        return self.helm_tool

    def registries(self) -> FakeRegistries:
        return self.registry_tool

    def connections(self) -> Connections:
        return self.conns

    def scanner(self) -> FakeScanner:
        return self.scan_tool

    def build_args(self) -> Mapping[str, str]:
        return self.args


@dataclass
class FakeRecorder:
    records: list[BuildRecord] = field(default_factory=list)

    def add_build_record(self, record: BuildRecord) -> None:
        self.records.append(record)

    def build_records(self, run_id: int) -> list[BuildRecord]:
        return [r for r in self.records if r.run_id == run_id]


@dataclass
class BuildContext(FakeContext):
    toolbox: FakeToolbox = field(default_factory=FakeToolbox)
    recorder: FakeRecorder = field(default_factory=FakeRecorder)

    def __post_init__(self) -> None:
        super().__post_init__()
        defaults = {
            "Build.BuildId": "12",
            "System.JobId": "34",
            "Build.SourceVersion": "a" * 40,
            "Build.SourceBranch": "refs/heads/release/delivery/v1.0.2",
            "Build.DefinitionName": "delivery",
            "Build.BuildNumber": "20261126.1",
        }
        self.variables = {**defaults, **self.variables}

    def service(self, kind: type[T]) -> T:
        found: dict[type, object] = {BuildToolbox: self.toolbox, BuildRecorder: self.recorder}
        if kind not in found:
            raise LookupError(kind)
        return cast(T, found[kind])


DOCKERFILE = """\
ARG BASE_IMAGE=127.0.0.1:5000/base/python:3.11-bookworm
FROM ${BASE_IMAGE} AS base
FROM base AS testrunner
ENTRYPOINT ["pytest"]
FROM base AS final
ARG APP_VERSION=dev
"""


def service_tree(ctx: FakeContext) -> Path:
    """A delivery service under the job's sources: Dockerfile, context and chart."""
    root = ctx.paths.sources
    (root / "src/shipping/delivery").mkdir(parents=True)
    (root / "src/shipping/delivery/Dockerfile").write_text(DOCKERFILE)
    (root / "charts/delivery").mkdir(parents=True)
    (root / "charts/delivery/Chart.yaml").write_text("name: delivery\nversion: 0.1.0\n")
    return root
