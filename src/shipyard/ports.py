"""Protocols through which the flow reaches outside tools.

The flow never imports an adapter: the CLI (the composition root) passes adapters in. Each
port is small on purpose, so that a fake for unit tests is a few lines of real code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol


class Git(Protocol):
    """The read-only view of a repository that trigger evaluation needs.

    ``rev`` arguments are commit ids or full refs taken from events, so they may hold any
    text a branch name can hold: an implementation must never let one be read as an option
    or as shell text. Paths are repository-relative with ``/`` separators.
    """

    def resolve(self, rev: str) -> str | None:
        """The commit SHA of ``rev``, or None when it does not exist."""
        ...

    def changed_files(self, base: str, head: str) -> list[str]:
        """Paths changed between two commits (``base..head``, renames as both paths).

        A zero ``base`` (all ``0``) means "no commit": every file of ``head``'s tree.
        """
        ...

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits, or None for unrelated histories."""
        ...

    def tree_files(self, rev: str) -> list[str]:
        """Every file path in the tree of ``rev``."""
        ...

    def read_file(self, rev: str, path: str) -> bytes | None:
        """A file's bytes at ``rev``, or None when absent."""
        ...

    def commit_message(self, rev: str) -> str:
        """The full message of commit ``rev`` (subject and body); empty when unknown."""
        ...

    def default_branch(self) -> str:
        """The short name of the default branch (``main``)."""
        ...

    def is_ancestor(self, a: str, b: str) -> bool:
        """True when commit ``a`` is ``b`` or an ancestor of ``b``."""
        ...

    def commits_between(self, base: str, head: str) -> Iterable[str]:
        """Commits reachable from ``head`` but not from ``base``, newest first."""
        ...


# --------------------------------------------------------------------------------------
# The run engine's ports. The engine (``shipyard.flow.run``) writes run state only through
# ``RunStore``; executors read their jobs and send reports through ``JobQueue``; the CLI
# reads through ``RunQueries``. The SQL store (``shipyard.store``) implements all three;
# only composition code (the CLI) and executors import it.
# --------------------------------------------------------------------------------------

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from pathlib import Path

    from shipyard.domain.events import PendingChanges
    from shipyard.flow.run.changes import Batch
    from shipyard.flow.run.records import (
        ArtifactRecord,
        DecisionRecord,
        EngineRecord,
        IssueRecord,
        JobRecord,
        LogLine,
        QueuedJob,
        Report,
        RunEvent,
        RunRecord,
        TestCase,
    )
    from shipyard.flow.run.snapshot import RunSnapshot
    from shipyard.flow.run.spec import JobSpec, RunRequest, RunSpec


class Clock(Protocol):
    """Wall-clock seconds since the epoch; a fake one makes timeouts testable."""

    def now(self) -> float: ...


class Subscription(Protocol):
    def get(self, timeout: float | None = None) -> RunEvent | None:
        """The next event, or None when ``timeout`` passes first."""
        ...

    def close(self) -> None: ...


class EventBus(Protocol):
    """Fan-out of run events to live subscribers (the CLI's live view, a web UI)."""

    def publish(self, events: Sequence[RunEvent]) -> None: ...

    def subscribe(self, run_id: int | None = None) -> Subscription: ...


class RunStore(Protocol):
    """What the engine loop reads and writes. Only the engine loop calls the writers."""

    def register_engine(self, engine: EngineRecord) -> None: ...

    def heartbeat_engine(self, engine_id: str, at: float) -> None: ...

    def stop_engine(self, engine_id: str, at: float) -> None: ...

    def engines(self) -> list[EngineRecord]: ...

    def create_run(self, request: RunRequest, engine_id: str | None, at: float) -> int:
        """A new run row (status queued); its id is the run's ``Build.BuildId``."""
        ...

    def save_plan(self, run_id: int, spec: RunSpec) -> RunSnapshot:
        """Stage, job and step rows for a compiled run, all queued."""
        ...

    def commit(self, batch: Batch) -> list[RunEvent]:
        """Write a batch of changes and its events in one transaction."""
        ...

    def load_run(self, run_id: int) -> RunSnapshot: ...

    def unfinished_runs(self) -> list[RunRecord]: ...

    def active_run(self, pipeline: str, ref: str) -> int | None:
        """An unfinished run of ``pipeline`` on ``ref``, for ``trigger: batch``."""
        ...

    def next_counter(self, key: str, seed: int) -> int: ...

    def pending_reports(self, run_ids: Collection[int]) -> list[Report]:
        """Reports not yet applied, oldest first; a batch's ``reports_done`` removes them."""
        ...

    def adopt_run(self, run_id: int, engine_id: str, previous: str | None) -> bool:
        """Take ownership of a run if it still belongs to ``previous``."""
        ...

    def take_commands(self, engine_id: str) -> list[tuple[str, int | None, dict[str, object]]]:
        """Commands from other processes (cancel, submit), each taken once."""
        ...

    def queued_jobs(self, run_id: int) -> list[QueuedJob]: ...

    def create_decision(
        self, run_id: int, stage: str, job: str, kind: str, title: str, data: dict[str, object]
    ) -> DecisionRecord:
        """A pending decision; asking again for the same one returns the pending record."""
        ...

    def decisions(
        self, run_id: int | None = None, status: str | None = None
    ) -> list[DecisionRecord]: ...

    def expire_decision(self, decision_id: int) -> bool:
        """Mark a pending decision ``expired`` (nobody answered in time); False when it was
        answered first."""
        ...

    def save_pending(self, pending: PendingChanges, request: RunRequest) -> None: ...

    def take_pending(
        self, pipeline: str, branch: str
    ) -> tuple[PendingChanges, RunRequest] | None: ...


class JobQueue(Protocol):
    """What an executor's worker reads and writes: its jobs, reports and evidence.

    Evidence (log lines, test results, artifact records) is written by the worker that
    produced it; statuses only ever change by reports that the engine applies.
    """

    @property
    def artifact_root(self) -> Path: ...

    def claim(
        self, worker: str, engine_id: str | None, host: str, token: str
    ) -> JobSpec | None: ...

    def claim_job(
        self, job_id: int, worker: str, host: str, token: str, *, retake: bool = False
    ) -> tuple[JobSpec, QueuedJob] | None:
        """Claim the named job; with ``retake``, also one a lost worker held (returned)."""
        ...

    def heartbeat(self, job_id: int, worker: str, at: float) -> bool:
        """Keep the lease; False when the job is no longer this worker's."""
        ...

    def cancel_requested(self, job_id: int) -> bool: ...

    def record_process(self, job_id: int, pgid: int) -> None: ...

    def report(self, report: Report) -> None: ...

    def append_logs(
        self,
        run_id: int,
        job_id: int,
        step_id: int | None,
        lines: Sequence[tuple[float, str]],
        reports: Sequence[Report] = (),
    ) -> int:
        """Store lines in order, with reports that belong with them (a step starting or
        finishing), in one transaction; returns the id of the last line."""
        ...

    def add_test_results(
        self, run_id: int, job_id: int, step_id: int, title: str, cases: Sequence[TestCase]
    ) -> None: ...

    def add_artifact(
        self,
        run_id: int,
        job_id: int,
        name: str,
        kind: str,
        path: str,
        size_bytes: int,
        files: int,
    ) -> ArtifactRecord: ...

    def artifacts(self, run_id: int) -> list[ArtifactRecord]: ...


class RunQueries(Protocol):
    """Read-only views for the CLI and a later web UI, plus the outside inputs: a decision
    and a cancel request (written as inputs the engine acts on, never as run state)."""

    def list_runs(self, limit: int = 20, pipeline: str | None = None) -> list[RunRecord]: ...

    def get_run(self, run_id: int) -> RunRecord | None: ...

    def get_job(self, job_id: int) -> JobRecord | None: ...

    def logs(
        self,
        run_id: int,
        *,
        job_id: int | None = None,
        step_id: int | None = None,
        after: int = 0,
        limit: int = 10_000,
    ) -> list[LogLine]: ...

    def tests(self, run_id: int, outcome: str | None = None) -> list[TestCase]: ...

    def test_counts(self, run_id: int) -> dict[str, int]: ...

    def artifacts(self, run_id: int) -> list[ArtifactRecord]: ...

    def issues(self, run_id: int) -> list[IssueRecord]: ...

    def events_after(self, run_id: int | None, after: int, limit: int = 1000) -> list[RunEvent]: ...

    def decisions(
        self, run_id: int | None = None, status: str | None = None
    ) -> list[DecisionRecord]: ...

    def resolve_decision(
        self, decision_id: int, approved: bool, by: str, comment: str = ""
    ) -> DecisionRecord:
        """Approve or reject a pending decision; the engine resumes the run."""
        ...

    def request_cancel(self, run_id: int) -> None: ...


class Executor(Protocol):
    """Where jobs run. A job reaches an executor only through the store's queue: the engine
    queues a :class:`~shipyard.flow.run.spec.JobSpec`, then calls :meth:`dispatch` so that
    an idle worker claims it at once; results come back as reports in the store."""

    def start(self, wake: Callable[[], None]) -> None:
        """Warm up workers; call ``wake`` whenever reports are waiting in the store."""
        ...

    def dispatch(self, job: JobSpec) -> None: ...

    def cancel(self, job_id: int) -> None:
        """The job's cancel flag is set in the store: make its worker notice now."""
        ...

    def reap(self, jobs: Sequence[QueuedJob]) -> None:
        """Kill what is left of jobs whose engine died (their process groups)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Attempt:
    """One attempt of a job handed out by a distributed engine, as the job's code sees it."""

    number: int
    worker: str
    heartbeat: Callable[[object], None]  # callable from any thread
    cancelled: Callable[[], bool]


class Gate(Protocol):
    """Outside decisions a stage or job must wait for (approvals, exclusive locks).

    Returns what to ask (kind, title, data) or None to go ahead. A later CD feature
    implements it from environments; the default has no gates.
    """

    def check(
        self, run: RunRecord, stage: str, job: str | None, environment: str
    ) -> tuple[str, str, dict[str, object]] | None: ...


class StepProcess(Protocol):
    """A running step process (its own process group), read without blocking."""

    pgid: int

    @property
    def eof(self) -> bool: ...

    def read(self, timeout: float) -> list[tuple[str, bytes]]:
        """Output chunks as ``("out" | "err", bytes)``; empty when ``timeout`` passed."""
        ...

    def poll(self) -> int | None: ...

    def kill(self, grace: float = 3.0) -> None: ...

    def wait(self, timeout: float | None = None) -> int | None: ...

    def close(self) -> None: ...


class ProcessLauncher(Protocol):
    def start(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], merge_stderr: bool
    ) -> StepProcess: ...


class SourceCheckout(Protocol):
    """A clean copy of one commit of a repository in a job's sources folder."""

    def checkout(self, repo: str, sha: str, dest: Path) -> list[str]:
        """Check out ``sha`` of ``repo`` into ``dest``; returns lines for the step's log."""
        ...


# -- the vulnerability scan gate -------------------------------------------------------------
# Tools report what they did as a ToolRun (exit code and output, unjudged): the gate decides
# what an exit code means, because osv-scanner's own "success" is not always one.

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.domain.scan import ToolRun


class ImageArchiver(Protocol):
    """Brings an image from a registry to a local docker-archive (skopeo)."""

    def resolve_digest(self, image: str) -> str:
        """The manifest digest (``sha256:...``) that ``image`` (a tag or digest ref) names."""
        ...

    def save(self, image: str, dest: Path) -> None:
        """Write ``image`` (pinned by digest: ``REPO@sha256:...``) as a docker-archive."""
        ...


class SbomGenerator(Protocol):
    """Writes an SBOM of a docker-archive (syft)."""

    @property
    def tool(self) -> tuple[str, str]:
        """(name, version), recorded with each result."""
        ...

    def generate(self, archive: Path, dest: Path, sbom_format: str) -> ToolRun:
        """Write the SBOM of ``archive`` to ``dest`` (``cyclonedx-json`` or ``spdx-json``)."""
        ...


class VulnerabilityMatcher(Protocol):
    """Matches a docker-archive's packages against staged advisory data (osv-scanner)."""

    @property
    def tool(self) -> tuple[str, str]: ...

    def scan_archive(self, archive: Path, db_root: Path, report: Path) -> ToolRun:
        """Scan ``archive`` offline against ``db_root`` (``DIR/osv-scalibr/<Eco>/all.zip``),
        writing the JSON report to ``report``. Never raises for the tool's exit code."""
        ...


# -- building, running and publishing images and charts -------------------------------------
# Build steps stream their tools' output into the step's log, so the adapters do not run
# the long commands themselves: they compose the command line and the environment and hand
# them to a ``StepRunner`` (a task's ``TaskContext.run``). Short questions (an image's id,
# a chart's metadata, a registry's tags) are asked directly and answered as values.

if TYPE_CHECKING:
    from shipyard.domain.scan import ScanPolicy, ScanResult
    from shipyard.flow.builds import BuildRecord, BuildSpec, ChartInfo, ContainerSpec
    from shipyard.flow.connections import Connections, RegistryEndpoint


class ToolExit(Protocol):
    """How a streamed tool process ended (``shipyard.tasks.api.ProcessResult``)."""

    @property
    def exit_code(self) -> int | None: ...

    @property
    def timed_out(self) -> bool: ...

    @property
    def canceled(self) -> bool: ...


class StepRunner(Protocol):
    """Runs a process for a step, its output going to the step's log."""

    def __call__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ToolExit: ...


class ImageBuilder(Protocol):
    """Builds, tags, pushes and exports images (buildah). Failures raise ``StepFailed``."""

    def build(self, spec: BuildSpec, run: StepRunner) -> str:
        """Build; returns the image id (``sha256:...``)."""
        ...

    def tag(self, image: str, tags: Sequence[str], run: StepRunner) -> None: ...

    def push(
        self,
        image: str,
        dest: RegistryEndpoint,
        workdir: Path,
        run: StepRunner,
        *,
        source: str = "",
    ) -> str:
        """Push to ``image`` (a fully qualified name) at ``dest``; returns the manifest digest.

        ``source`` is the local image to send (its id; ``image`` by default): pinned so that
        a tag another job moved meanwhile cannot change what is pushed."""
        ...

    def image_id(self, image: str) -> str | None:
        """The id of a local image, or None when there is none by that name."""
        ...

    def save_archive(self, image: str, dest: Path, run: StepRunner) -> None:
        """Write a local image (name or id) as a docker-archive file."""
        ...


class ContainerRunner(Protocol):
    """Runs containers (podman)."""

    def run(self, spec: ContainerSpec, run: StepRunner) -> ToolExit: ...

    def control(self, action: str, name: str, run: StepRunner) -> ToolExit:
        """``start`` or ``stop`` a container by name."""
        ...


class HelmClient(Protocol):
    """The helm that Shipyard manages, with its private configuration."""

    def version(self) -> str:
        """``v4.3.1``; raises ``StepFailed`` when helm is missing."""
        ...

    def tool_dir(self) -> Path:
        """The folder holding the helm binary (for later steps' PATH)."""
        ...

    def environment(self) -> dict[str, str]:
        """The HELM_* variables that keep helm's state private to Shipyard."""
        ...

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
        """``helm package``; returns the archive written."""
        ...

    def show_chart(self, archive: Path) -> ChartInfo: ...

    def push(
        self, archive: Path, dest: RegistryEndpoint, namespace: str, workdir: Path, run: StepRunner
    ) -> None:
        """``helm push ARCHIVE oci://ADDRESS/NAMESPACE``."""
        ...


class RegistryClient(Protocol):
    """Questions to a registry over its HTTP API."""

    def manifest_digest(self, endpoint: RegistryEndpoint, repo: str, ref: str) -> str | None: ...

    def tags(self, endpoint: RegistryEndpoint, repo: str) -> list[str]: ...


class BuildRecorder(Protocol):
    """Keeps what a run produced (images, charts, scans) with the run, for ``runs show``."""

    def add_build_record(self, record: BuildRecord) -> None: ...

    def build_records(self, run_id: int) -> list[BuildRecord]: ...


class ImageScanner(Protocol):
    """The scan gate with its tools, advisory data and policy file already chosen."""

    def policy_for(self, service: str) -> ScanPolicy: ...

    def scan(
        self, target: str | Path, policy: ScanPolicy, out_dir: Path, sbom_format: str
    ) -> ScanResult: ...


class BuildToolbox(Protocol):
    """Everything build, scan and publish steps use, built on first use.

    One service rather than one per port: the platform's settings are read when a step first
    needs a tool, so a broken settings file fails that step with its message instead of
    every worker at start-up.
    """

    def images(self) -> ImageBuilder: ...

    def containers(self) -> ContainerRunner: ...

    def helm(self) -> HelmClient: ...

    def registries(self) -> RegistryClient: ...

    def connections(self) -> Connections: ...

    def scanner(self) -> ImageScanner: ...

    def build_args(self) -> Mapping[str, str]:
        """Build arguments the platform supplies when a Dockerfile declares them
        (``BASE_IMAGE``: the platform's base image in its registry)."""
        ...
