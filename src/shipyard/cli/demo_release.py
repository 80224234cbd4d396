"""The release part of the demo: the delivery service's full CI on the embedded platform.

:func:`run_release_demo` does what a release manager's branch does in the article: from a
real git history of ``examples/fabrikam`` it creates ``release/delivery/v1.0.2`` and runs
delivery's pipeline for that event, on this machine, with the real tools:

1. the test runner image is built (buildah) and the unit tests run in it (podman); their
   results are published;
2. the runtime image is built and scanned (syft, osv-scanner; the example advisory data
   and policy from ``examples/advisories``), then pushed as ``staging/delivery:v1.0.2``;
3. the chart is packaged as version ``v1.0.2`` with app version ``v1.0.2`` and pushed to
   the registry's ``helm/`` namespace.

It then reads the registry back (the image and chart digests must be the ones the run
recorded, and no repository may hold a ``latest`` tag) and prints the build record, which
``shipyard runs show RUN`` shows again later. The run is kept in the user's run store.

Before the run it removes what a previous demo pushed under those two names, so the demo
can be repeated: the pipeline's ``az acr helm push`` has no ``--force``, and a published
chart version is never replaced without it. The platform is started if its registry or
base image is missing, and the two scanners are built on first use (a few minutes once).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from shipyard.adapters.git import GitCli
from shipyard.adapters.gitwrite import GitWorkspace
from shipyard.adapters.registry import OciRegistry
from shipyard.adapters.registry_client import OciRegistries
from shipyard.cli.build_record import build_record_json, print_build_record
from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.progress_view import RichProgress
from shipyard.domain.diagnostics import EnvironmentProblem, ShipyardError
from shipyard.domain.events import NewBranch
from shipyard.flow.connections import RegistryEndpoint
from shipyard.flow.planner import describe_event, plan_event
from shipyard.flow.run.spec import RunRequest
from shipyard.flow.run.status import Status
from shipyard.flow.run.views import StepTitles
from shipyard.platform import Platform, Recorder, lifecycle
from shipyard.platform.catalog import tool
from shipyard.platform.images import BASE_IMAGES
from shipyard.scan import import_advisories

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "fabrikam"
ADVISORIES = EXAMPLE.parent / "advisories"
SERVICE = "delivery"
VERSION = "v1.0.2"
BRANCH = f"release/{SERVICE}/{VERSION}"
IMAGE_REPO = f"staging/{SERVICE}"
CHART_REPO = f"helm/{SERVICE}"


@dataclass
class ReleaseDemo:
    run_id: int
    status: str
    image: str = ""
    image_digest: str = ""
    chart: str = ""
    chart_digest: str = ""
    registry_image_digest: str | None = None
    registry_chart_digest: str | None = None
    latest: list[str] = field(default_factory=list)  # repo:latest found in the registry
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.status == "succeeded"
            and bool(self.image_digest)
            and self.image_digest == self.registry_image_digest
            and bool(self.chart_digest)
            and self.chart_digest == self.registry_chart_digest
            and not self.latest
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "status": self.status,
            "image": self.image,
            "image_digest": self.image_digest,
            "registry_image_digest": self.registry_image_digest,
            "chart": self.chart,
            "chart_digest": self.chart_digest,
            "registry_chart_digest": self.registry_chart_digest,
            "latest_tags": self.latest,
            "ok": self.ok,
            "build_record": self.record,
        }


def _registry(platform: Platform) -> OciRegistry:
    target = platform.target
    return OciRegistry(
        target.address,
        secure=target.secure,
        username=target.username,
        password=target.password.reveal(),
    )


def ensure_platform(platform: Platform, say: Console) -> None:
    """The registry and base image (``up`` when missing), and the two scanners."""
    client = _registry(platform)
    bases = [b for b in BASE_IMAGES if b.key in platform.settings.base_images]
    if not client.is_up() or not all(client.has_manifest(b.repository, b.tag) for b in bases):
        say.print("starting the embedded platform (shipyard platform up)...")
        lifecycle.up(dataclasses.replace(platform, progress=RichProgress(say)))
    missing = [
        t
        for t in (tool("syft"), tool("osv-scanner"))
        if not (platform.paths.tool_dir(t.name, t.version) / t.binaries[0]).is_file()
    ]
    if missing:
        names = ", ".join(t.name for t in missing)
        say.print(f"building the scanners once ({names}; a few minutes)...")
        lifecycle.install(dataclasses.replace(platform, progress=RichProgress(say)), tuple(missing))


def forget_previous(platform: Platform, say: Console, version: str) -> None:
    """Delete what an earlier demo pushed as staging/delivery:VERSION and helm/delivery."""
    client = _registry(platform)
    for repo in (IMAGE_REPO, CHART_REPO):
        digest = client.manifest_digest(repo, version)
        if digest and client.delete(repo, digest):
            say.print(f"removed {repo}:{version} left by an earlier demo")


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Variables for the run's workers (they inherit this process's environment)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _history(example: Path, workdir: Path) -> tuple[GitWorkspace, NewBranch]:
    if not (example / "src").is_dir():
        raise EnvironmentProblem(f"the example monorepo is missing at {example}")
    ws = GitWorkspace.create(workdir / "fabrikam", seed=example)
    ws.commit_all("Initial import of the Fabrikam monorepo")
    ws.branch(BRANCH, "main")
    return ws, NewBranch(f"refs/heads/{BRANCH}", ws.head())


def _request(ws: GitWorkspace, event: NewBranch) -> RunRequest:
    report = plan_event(event, GitCli(ws.path), repository="fabrikam")
    plan = next((p for p in report.pipelines if p.name == SERVICE), None)
    if plan is None or plan.decision != "run":
        why = plan.reason if plan else "no such pipeline"
        raise ShipyardError(f"{SERVICE} does not run for {event.ref}: {why}")
    return RunRequest(
        pipeline=SERVICE,
        file=plan.file,
        repo=str(ws.path),
        event=describe_event(event),
        sha=event.sha,
        ref=event.ref,
        reason=plan.build_reason or "Manual",
        requested_for=getpass.getuser(),
        repository_name="fabrikam",
    )


def _drive(svc: Any, run_id: int, say: Console) -> None:
    sub = svc.bus.subscribe(run_id)
    titles = StepTitles(lambda: svc.store.get_run(run_id))
    try:
        while not svc.engine.settled(run_id) and svc.engine.crashed is None:
            event = sub.get(timeout=0.5)
            if event and event.kind == "step" and Status(event.status).final:
                where = titles.where(event.stage, event.job, event.step)
                say.print(f"  {event.status:<20} {escape(where)}")
    finally:
        sub.close()
    if svc.engine.crashed is not None:
        raise ShipyardError(f"the engine stopped: {svc.engine.crashed}")


def run_release_demo(
    example: Path = EXAMPLE,
    workdir: Path | None = None,
    *,
    say: Console | None = None,
    platform: Platform | None = None,
) -> ReleaseDemo:
    """Run delivery's release build end to end; returns what the registry then holds."""

    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="shipyard-release-") as tmp:
            return run_release_demo(example, Path(tmp), say=say, platform=platform)
    say = say or console()
    platform = platform or Platform.load(progress=Recorder())
    ensure_platform(platform, say)
    ws, event = _history(example, workdir)
    return build_release(platform, ws, event, VERSION, say)


def build_release(
    platform: Platform, ws: GitWorkspace, event: NewBranch, version: str, say: Console
) -> ReleaseDemo:
    """Delivery's pipeline for the release branch ``event`` created, run here to the end."""
    from shipyard.executor.service import LocalService

    forget_previous(platform, say, version)
    advisories = ws.path.parent / "advisories"
    if not advisories.is_dir():
        import_advisories(
            [ADVISORIES / "PyPI", ADVISORIES / "Debian"], advisories, now=dt.datetime.now(dt.UTC)
        )
    env = {
        "SHIPYARD_ADVISORIES_DIR": str(advisories),
        "SHIPYARD_SCAN_CONFIG": str(ADVISORIES / "shipyard-scan.toml"),
    }
    branch = event.ref.removeprefix("refs/heads/")
    say.rule(escape(f"{branch} created from main: delivery's full CI"))
    with _environment(env):
        request = _request(ws, event)
        svc = LocalService.start()
        try:
            run_id = svc.engine.submit(request).result(timeout=300)
            if run_id is None:
                raise ShipyardError("the run was merged into a pending batch")
            say.print(f"run {run_id}: {SERVICE} at {request.sha[:12]}")
            _drive(svc, run_id, say)
            run = svc.store.get_run(run_id)
            if run is None:
                raise ShipyardError(f"run {run_id} is not in the store")
            result = _check(platform, svc.store, run, version)
            print_build_record(say, svc.store, run)
        finally:
            svc.stop()
    return result


def _check(platform: Platform, store: Any, run: Any, version: str) -> ReleaseDemo:
    record = build_record_json(store, run)
    images = [i for i in record["images"] if i["name"] == SERVICE]
    charts = [c for c in record["charts"] if c["name"] == SERVICE]
    client = _registry(platform)
    target = platform.target
    endpoint = RegistryEndpoint(
        target.address, target.secure, target.username, target.password.reveal()
    )
    latest = OciRegistries().latest_tags(endpoint)
    return ReleaseDemo(
        run_id=run.id,
        status=str(run.status),
        image=images[-1]["reference"] if images else "",
        image_digest=images[-1]["digest"] if images else "",
        chart=charts[-1]["reference"] if charts else "",
        chart_digest=charts[-1]["digest"] if charts else "",
        registry_image_digest=client.manifest_digest(IMAGE_REPO, version),
        registry_chart_digest=client.manifest_digest(CHART_REPO, version),
        latest=latest,
        record=record,
    )


def print_outcome(say: Console, demo: ReleaseDemo) -> None:
    word = "[green]OK[/]" if demo.ok else "[red]NOT OK[/]"
    say.print(f"release demo: {word}  (shipyard runs show {demo.run_id})")
    say.print(f"  registry: {escape(demo.image)} -> {demo.registry_image_digest}")
    say.print(f"  registry: {escape(demo.chart)} -> {demo.registry_chart_digest}")
    say.print(
        "  no `latest` tag in the registry"
        if not demo.latest
        else f"  [red]`latest` tags in: {escape(', '.join(demo.latest))}[/]"
    )


def release_demo_command(example: Path, keep: Path | None, output: OutputFormat) -> None:
    """The body of a CLI command (``shipyard demo --release``); exit code 1 when not OK."""
    as_json = output is OutputFormat.json

    def body() -> None:
        demo = run_release_demo(example, keep, say=Console(quiet=True) if as_json else None)
        if as_json:
            emit_json(demo.as_json())
        else:
            print_outcome(console(), demo)
        raise SystemExit(0 if demo.ok else 1)

    guarded(body, as_json)


def register(app: typer.Typer) -> None:
    @app.command("release-demo")
    def release_demo(
        example: Path = typer.Option(EXAMPLE, "--example", help="The example monorepo"),
        keep: Path | None = typer.Option(None, "--keep", help="Keep the demo repository here"),
        output: OutputFormat = typer.Option(
            OutputFormat.text, "--output", "-o", help="text or json"
        ),
    ) -> None:
        """Run delivery's release build (release/delivery/v1.0.2) on the embedded platform."""
        release_demo_command(example, keep, output)
