"""What the build, scan and publish plugins share: their tools, the job's images, records.

- :func:`toolbox` is the executor's :class:`~shipyard.ports.BuildToolbox`, or a clear failure
  when the executor offers none (a remote worker without the platform, a unit test).
- :class:`JobImages` is a small JSON file in the job's temp folder listing the images and
  charts this job built and pushed. Steps of one job run one after another in one
  workspace, so this is how ``ShipyardScan@1`` finds "the image just built" by its id, and
  how a push step knows the id of what it pushes. The workspace goes when the job ends.
- :func:`record` keeps what a step produced in the run's build record (``runs show``).
- :func:`registry_for` resolves a step's service connection names and says in the log
  which registry they stand for.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.domain.diagnostics import InvalidInput, ShipyardError
from shipyard.flow.builds import BuildRecord, StepFailed
from shipyard.flow.connections import RegistryEndpoint
from shipyard.ports import BuildRecorder, BuildToolbox
from shipyard.tasks.api import TaskContext

STATE_FILE = "shipyard-images.json"


def toolbox(ctx: TaskContext) -> BuildToolbox:
    try:
        return ctx.service(BuildToolbox)  # type: ignore[type-abstract]
    except (ShipyardError, LookupError):
        raise StepFailed(
            "this executor offers no build tools (buildah, podman, helm) to steps",
            hint="run on a local worker of a machine where `shipyard platform up` has run",
        ) from None


def workdir(ctx: TaskContext, what: str) -> Path:
    """A fresh scratch folder in the job's temp folder."""
    path = ctx.paths.temp / f"shipyard-{what}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def in_workspace(ctx: TaskContext, value: str, default: Path | None = None) -> Path:
    """An input path: relative ones are under the sources folder, as Azure reads them."""
    text = value.strip()
    if not text:
        if default is None:
            raise StepFailed("a path input is empty")
        return default
    path = Path(text)
    return path if path.is_absolute() else ctx.paths.sources / path


def describe_invalid(err: InvalidInput) -> str:
    lines = [err.message]
    for d in err.diagnostics:
        where = f"{d.loc.file}:{d.loc.line}" if d.loc.line else d.loc.file
        lines.append(f"  {where}: {d.message}" + (f" ({d.hint})" if d.hint else ""))
    return "\n".join(lines)


def registry_for(ctx: TaskContext, *names: str) -> RegistryEndpoint:
    """The registry a step's connection names stand for; logged, without secrets."""
    try:
        endpoint = toolbox(ctx).connections().resolve(*names)
    except InvalidInput as err:
        raise StepFailed(describe_invalid(err)) from None
    ctx.log(f"Registry: {endpoint.describe()}")
    return endpoint


@dataclass
class JobImages:
    """Images and charts of this job, by name: ``{"images": {NAME: {...}}, "charts": ...}``."""

    path: Path
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, ctx: TaskContext) -> JobImages:
        path = ctx.paths.temp / STATE_FILE
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        return cls(path, dict(data.get("images", {})), dict(data.get("charts", {})))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"images": self.images, "charts": self.charts}
        self.path.write_text(json.dumps(payload, indent=2, sort_keys=True))

    def image(self, name: str) -> dict[str, Any] | None:
        """An image of this job by its full name, or by its name without a registry."""
        if name in self.images:
            return self.images[name]
        matches = [v for k, v in self.images.items() if k.split("/", 1)[-1] == name]
        return matches[-1] if len(matches) == 1 else None


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def record(
    ctx: TaskContext,
    kind: str,
    name: str,
    reference: str = "",
    digest: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Keep a product of this step in the run's build record (when the executor keeps one)."""
    try:
        recorder = ctx.service(BuildRecorder)  # type: ignore[type-abstract]
    except (ShipyardError, LookupError):
        ctx.log(f"(no build record kept by this executor for {kind} {name})")
        return
    recorder.add_build_record(
        BuildRecord(
            run_id=_int(ctx.variable("Build.BuildId")),
            job_id=_int(ctx.variable("System.JobId")),
            kind=kind,
            name=name,
            reference=reference,
            digest=digest,
            data=dict(data or {}),
        )
    )
