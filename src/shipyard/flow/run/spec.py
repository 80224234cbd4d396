"""What a run is made of once compiled, as plain serialisable data.

A :class:`RunSpec` is the pipeline of one run, templates expanded, with every variable still
*defined* rather than *evaluated*: ``$[ ]`` values and conditions are worked out by the
engine at the moment Azure does (run start, stage start, job start). A :class:`JobSpec` is
what an executor receives: one job with its variables already evaluated and every step, so
that it needs nothing else from the engine and can run on another machine.

Everything here turns into JSON and back (``as_json``/``from_json``) because it is stored:
the engine reloads a run's spec after a restart, and a worker reads its job from the store.
Secret values are encrypted by the store, never written in clear.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

T = TypeVar("T")


def _build(cls: type[T], data: dict[str, Any]) -> T:
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True, slots=True)
class VarValue:
    """A variable's value and what it may do.

    ``tainted`` marks values that come from event data (a branch name, a PR title, a commit
    message, or anything computed from them or printed by a step): in script text they are
    replaced by a reference to their environment variable instead of their raw text.
    """

    value: str
    secret: bool = False
    readonly: bool = False
    tainted: bool = False


@dataclass(frozen=True, slots=True)
class VarDef:
    """A variable as written: ``value`` may hold ``$(macros)`` or be one ``$[ expression ]``."""

    name: str
    value: str
    secret: bool = False
    readonly: bool = False
    tainted: bool = False


@dataclass(frozen=True, slots=True)
class StepDef:
    name: str
    display_name: str
    kind: str  # script, bash, pwsh, powershell, task, checkout, publish, download
    body: str
    inputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    condition: str = "succeeded()"
    continue_on_error: bool = False
    timeout_minutes: int = 0
    enabled: bool = True
    working_directory: str = ""

    @property
    def task(self) -> str | None:
        return self.body if self.kind == "task" else None


@dataclass(frozen=True, slots=True)
class JobDef:
    name: str
    display_name: str
    steps: tuple[StepDef, ...]
    depends_on: tuple[str, ...] = ()
    condition: str = "succeeded()"
    variables: tuple[VarDef, ...] = ()
    timeout_minutes: int = 60
    cancel_timeout_minutes: int = 5
    continue_on_error: bool = False
    deployment: bool = False
    environment: str = ""
    pool: str = "local"
    demands: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobDef:
        data = dict(data)
        data["demands"] = tuple(data.get("demands", ()))
        data["steps"] = tuple(_build(StepDef, s) for s in data.get("steps", ()))
        data["variables"] = tuple(_build(VarDef, v) for v in data.get("variables", ()))
        data["depends_on"] = tuple(data.get("depends_on", ()))
        return _build(cls, data)


@dataclass(frozen=True, slots=True)
class StageDef:
    name: str
    display_name: str
    jobs: tuple[JobDef, ...]
    depends_on: tuple[str, ...] = ()  # effective: the previous stage when none was written
    condition: str = "succeeded()"
    variables: tuple[VarDef, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageDef:
        data = dict(data)
        data["jobs"] = tuple(JobDef.from_json(j) for j in data.get("jobs", ()))
        data["variables"] = tuple(_build(VarDef, v) for v in data.get("variables", ()))
        data["depends_on"] = tuple(data.get("depends_on", ()))
        return _build(cls, data)


@dataclass(frozen=True, slots=True)
class RunSpec:
    pipeline: str
    file: str
    repo: str
    ref: str
    sha: str
    reason: str
    build_number: str
    variables: tuple[VarDef, ...]
    stages: tuple[StageDef, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunSpec:
        data = dict(data)
        data["variables"] = tuple(_build(VarDef, v) for v in data.get("variables", ()))
        data["stages"] = tuple(StageDef.from_json(s) for s in data.get("stages", ()))
        data["warnings"] = tuple(data.get("warnings", ()))
        return _build(cls, data)

    def stage(self, name: str) -> StageDef:
        return next(s for s in self.stages if s.name == name)


@dataclass(frozen=True, slots=True)
class StepRef:
    """A step of a dispatched job: its definition and its row id in the store."""

    id: int
    step: StepDef


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Everything an executor needs to run one job, and nothing it could not carry away."""

    run_id: int
    job_id: int
    stage: str
    job: str
    display_name: str
    pipeline: str
    repo: str
    sha: str
    ref: str
    checkout: bool
    variables: dict[str, VarValue]
    steps: tuple[StepRef, ...]
    timeout_minutes: int = 60
    cancel_timeout_minutes: int = 5
    deployment: bool = False
    # Where it may run: the pool's name and the demands a worker must satisfy.
    pool: str = "local"
    demands: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobSpec:
        data = dict(data)
        data["variables"] = {k: _build(VarValue, v) for k, v in data["variables"].items()}
        data["steps"] = tuple(
            StepRef(s["id"], _build(StepDef, s["step"])) for s in data.get("steps", ())
        )
        data["demands"] = tuple(data.get("demands", ()))
        return _build(cls, data)


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A request for a run: which pipeline, at which commit, because of which event.

    ``event`` is the event as :func:`shipyard.flow.planner.describe_event` writes it.
    ``secrets`` are queue-time secret variables; the store keeps them encrypted.
    ``batch`` is the pipeline's ``trigger: batch`` setting, which decides whether a push
    that arrives during a run of the same pipeline and branch waits to be merged.
    """

    pipeline: str
    file: str
    repo: str
    event: dict[str, Any]
    sha: str
    ref: str
    reason: str
    parameters: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    requested_for: str = ""
    batch: bool = False
    repository_name: str = "repo"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRequest:
        return _build(cls, data)
