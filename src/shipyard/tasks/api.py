"""The task plugin API: what a plugin implements, and what it may use while it runs.

A plugin is a small object with a name, a major version and a ``run`` method (pre-commit's
languages have the same shape). It receives its inputs already normalised by the task's
declared schema (:func:`shipyard.config.tasks.normalize_inputs`: canonical names,
defaults applied, every value a string) and with ``$(macros)`` expanded, and a
:class:`TaskContext`: the only way it reaches the outside world. Through the context it
runs processes (whose output is streamed, masked and searched for logging commands), logs,
publishes test results and artifacts, and asks for further ports
(:meth:`TaskContext.service`). It never imports ``subprocess`` or an adapter, so a fake
context is enough to test it.

Inputs named in ``shell_inputs`` are shell text (a script, Bash's ``arguments``): their
event-data macros become environment references in the ``shell`` dialect rather than raw
text (see :mod:`shipyard.flow.run.variables`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from shipyard.flow.run.records import ArtifactRecord, TestCase
from shipyard.flow.run.status import Status

T = TypeVar("T")
Shell = Literal["bash", "pwsh"]


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """How a task ended: succeeded, succeededWithIssues or failed, and why."""

    status: Status
    message: str = ""

    @classmethod
    def ok(cls, message: str = "") -> TaskOutcome:
        return cls(Status.succeeded, message)

    @classmethod
    def failed(cls, message: str) -> TaskOutcome:
        return cls(Status.failed, message)


@dataclass(frozen=True, slots=True)
class ProcessResult:
    exit_code: int | None  # None when the process was killed (timeout, cancel)
    wrote_stderr: bool = False
    timed_out: bool = False
    canceled: bool = False


@dataclass(frozen=True, slots=True)
class JobPaths:
    """The job's workspace, as Azure lays it out (``Pipeline.Workspace`` and friends)."""

    workspace: Path  # Pipeline.Workspace / Agent.BuildDirectory
    sources: Path  # s/: Build.SourcesDirectory, System.DefaultWorkingDirectory
    staging: Path  # a/: Build.ArtifactStagingDirectory
    binaries: Path  # b/: Build.BinariesDirectory
    test_results: Path  # TestResults/: Common.TestResultsDirectory
    temp: Path  # _temp/: Agent.TempDirectory

    @classmethod
    def under(cls, root: Path) -> JobPaths:
        return cls(root, root / "s", root / "a", root / "b", root / "TestResults", root / "_temp")

    def all(self) -> tuple[Path, ...]:
        return (self.sources, self.staging, self.binaries, self.test_results, self.temp)


class TaskContext(Protocol):
    @property
    def paths(self) -> JobPaths: ...

    def variable(self, name: str) -> str | None:
        """A variable's value (secret ones included: plugins need them, logs mask them)."""
        ...

    def log(self, text: str) -> None: ...

    def warning(self, message: str) -> None: ...

    def error(self, message: str) -> None: ...

    def which(self, tool: str) -> str | None: ...

    def write_temp(self, text: str, suffix: str) -> Path:
        """A new file in the job's temp folder holding ``text``."""
        ...

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        fail_on_stderr: bool = False,
    ) -> ProcessResult:
        """Run a process in its own process group; its output goes to the step's log."""
        ...

    def read_test_results(self, path: Path, fmt: str) -> list[TestCase]: ...

    def publish_tests(self, title: str, cases: Sequence[TestCase]) -> None: ...

    def publish_artifact(
        self, name: str, source: Path, kind: str = "pipeline"
    ) -> ArtifactRecord: ...

    def download_artifacts(
        self, name: str | None, target: Path, patterns: Sequence[str]
    ) -> list[ArtifactRecord]: ...

    def service(self, kind: type[T]) -> T:
        """A further port registered by the executor (a registry client, a Helm runner)."""
        ...


class TaskPlugin(Protocol):
    name: str  # as in ``task: NAME@MAJOR``
    major: int
    shell_inputs: frozenset[str]
    shell: Shell

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome: ...


class TestResultReader(Protocol):
    """Parses a results file; raises ``ValueError`` with a message for a bad file."""

    def read(self, path: Path, fmt: str) -> list[TestCase]: ...
