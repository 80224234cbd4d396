"""What the store hands back and takes in: records of runs and their parts, reports from
executors, and the events every state change publishes.

These are plain values so that the engine, the CLI and a later web UI read the same
shapes whichever database is behind the :class:`~shipyard.ports.RunStore`. Times are
seconds since the epoch (floats), the one representation SQLite and PostgreSQL agree on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

from shipyard.flow.run.status import Status

ReportKind = Literal[
    "job_restarted",
    "job_started",
    "step_started",
    "step_finished",
    "issue",
    "variable",
    "build_number",
    "tag",
    "log",
    "artifact",
    "tests",
    "job_finished",
]


@dataclass(frozen=True, slots=True)
class Report:
    """One message from an executor about a job it runs, read by the engine in order.

    Executors never change run state themselves: they report, and the engine loop (the
    only writer of statuses) applies the report and publishes the matching event.
    """

    kind: ReportKind
    run_id: int
    job_id: int
    data: dict[str, Any] = field(default_factory=dict)
    step_id: int | None = None
    at: float = 0.0
    id: int = 0


@dataclass(frozen=True, slots=True)
class RunEvent:
    """A change of run state, as subscribers (the CLI's live view, a web UI) receive it."""

    kind: str  # run, stage, job, step, log, issue, decision, artifact, tests, batched
    run_id: int
    at: float
    status: str = ""
    stage: str = ""
    job: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    id: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StepRecord:
    id: int
    job_id: int
    name: str
    display_name: str
    position: int
    status: Status
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: int
    run_id: int
    stage: str
    name: str
    display_name: str
    position: int
    status: Status
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""
    worker: str = ""
    steps: tuple[StepRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class StageRecord:
    id: int
    run_id: int
    name: str
    display_name: str
    position: int
    status: Status
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""
    jobs: tuple[JobRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    pipeline: str
    ref: str
    sha: str
    reason: str
    status: Status
    build_number: str = ""
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""
    engine_id: str | None = None
    tags: tuple[str, ...] = ()
    event: dict[str, Any] = field(default_factory=dict)
    stages: tuple[StageRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class LogLine:
    id: int
    run_id: int
    job_id: int | None
    step_id: int | None
    at: float
    text: str


@dataclass(frozen=True, slots=True)
class IssueRecord:
    run_id: int
    job_id: int | None
    step_id: int | None
    type: str  # warning | error
    message: str


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    id: int
    run_id: int
    job_id: int | None
    name: str
    kind: str  # pipeline | build | attachment
    path: str  # relative to the store's artifact folder
    size_bytes: int
    files: int
    created_at: float


@dataclass(frozen=True, slots=True)
class TestCase:
    """One test's result, as read from a JUnit, VSTest (TRX), NUnit or xUnit file."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite its name

    name: str
    class_name: str
    outcome: str  # passed | failed | skipped | other
    duration_ms: int = 0
    message: str = ""
    stack: str = ""
    file: str = ""


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """An outside decision a run waits on: an approval, a lock, a manual check."""

    id: int
    run_id: int
    kind: str
    status: str  # pending | approved | rejected | canceled
    title: str
    stage: str = ""
    job: str = ""
    requested_at: float = 0.0
    resolved_at: float | None = None
    resolved_by: str = ""
    comment: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EngineRecord:
    id: str
    host: str
    pid: int
    started_at: float
    heartbeat_at: float
    stopped_at: float | None = None


@dataclass(frozen=True, slots=True)
class QueuedJob:
    """A job handed to executors: who claimed it, and how to find its processes."""

    job_id: int
    run_id: int
    engine_id: str | None
    claimed_by: str | None
    heartbeat_at: float | None
    cancel_requested: bool
    host: str = ""
    pgids: tuple[int, ...] = ()
    token: str = ""
