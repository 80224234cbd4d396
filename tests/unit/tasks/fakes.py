"""A :class:`~shipyard.tasks.api.TaskContext` that records what a plugin asked for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from shipyard.adapters.testresults import XmlTestResults
from shipyard.flow.run.records import ArtifactRecord, TestCase
from shipyard.tasks.api import JobPaths, ProcessResult

T = TypeVar("T")


@dataclass
class FakeContext:
    root: Path
    variables: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    issues: list[tuple[str, str]] = field(default_factory=list)
    ran: list[dict[str, Any]] = field(default_factory=list)
    tests: list[tuple[str, list[TestCase]]] = field(default_factory=list)
    published: list[tuple[str, Path, str]] = field(default_factory=list)
    downloads: list[tuple[str | None, Path, list[str]]] = field(default_factory=list)
    tools: dict[str, str] = field(default_factory=lambda: {"bash": "/bin/bash"})
    exit_code: int = 0

    def __post_init__(self) -> None:
        for folder in self.paths.all():
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def paths(self) -> JobPaths:
        return JobPaths.under(self.root)

    def variable(self, name: str) -> str | None:
        return self.variables.get(name)

    def log(self, text: str) -> None:
        self.lines.append(text)

    def warning(self, message: str) -> None:
        self.issues.append(("warning", message))

    def error(self, message: str) -> None:
        self.issues.append(("error", message))

    def which(self, tool: str) -> str | None:
        return self.tools.get(tool)

    def write_temp(self, text: str, suffix: str) -> Path:
        path = self.paths.temp / f"script{len(self.ran)}{suffix}"
        path.write_text(text)
        return path

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        fail_on_stderr: bool = False,
    ) -> ProcessResult:
        self.ran.append({"argv": list(argv), "cwd": cwd, "env": dict(env or {})})
        return ProcessResult(self.exit_code)

    def read_test_results(self, path: Path, fmt: str) -> list[TestCase]:
        return XmlTestResults().read(path, fmt)

    def publish_tests(self, title: str, cases: Sequence[TestCase]) -> None:
        self.tests.append((title, list(cases)))

    def publish_artifact(self, name: str, source: Path, kind: str = "pipeline") -> ArtifactRecord:
        self.published.append((name, source, kind))
        return ArtifactRecord(1, 1, 1, name, kind, name, 0, 0, 0.0)

    def download_artifacts(
        self, name: str | None, target: Path, patterns: Sequence[str]
    ) -> list[ArtifactRecord]:
        self.downloads.append((name, target, list(patterns)))
        return [ArtifactRecord(1, 1, 1, name or "drop", "pipeline", "x", 0, 0, 0.0)]

    def service(self, kind: type[T]) -> T:
        raise LookupError(kind)
