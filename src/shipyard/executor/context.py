"""The :class:`~shipyard.tasks.api.TaskContext` a plugin receives for one step."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeVar, cast

from shipyard.domain.diagnostics import EnvironmentProblem
from shipyard.executor import artifacts
from shipyard.executor.logstream import LineAssembler
from shipyard.executor.pump import pump
from shipyard.executor.session import StepSession
from shipyard.flow.run.records import ArtifactRecord, TestCase
from shipyard.tasks.api import JobPaths, ProcessResult

T = TypeVar("T")


class StepContext:
    def __init__(self, step: StepSession, extra_env: Mapping[str, str] | None = None) -> None:
        self._step = step
        self._extra_env = dict(extra_env or {})

    @property
    def paths(self) -> JobPaths:
        return self._step.job.paths

    def variable(self, name: str) -> str | None:
        found = self._step.job.scope.get(name)
        return found.value if found else None

    def log(self, text: str) -> None:
        self._step.line(text)

    def warning(self, message: str) -> None:
        self._step.issue("warning", message)

    def error(self, message: str) -> None:
        self._step.issue("error", message)

    def which(self, tool: str) -> str | None:
        job = self._step.job
        path = job.environment().get("PATH", "")
        if (tool, path) not in job.tools:
            job.tools[tool, path] = shutil.which(tool, path=path)
        return job.tools[tool, path]

    def write_temp(self, text: str, suffix: str) -> Path:
        temp = self.paths.temp
        temp.mkdir(parents=True, exist_ok=True)
        path = temp / f"{uuid.uuid4()}{suffix}"
        path.write_text(text, encoding="utf-8")
        return path

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        fail_on_stderr: bool = False,
    ) -> ProcessResult:
        step, job = self._step, self._step.job
        folder = cwd or self.paths.sources
        if not folder.is_dir():
            raise EnvironmentProblem(f"working directory {folder} does not exist")
        proc = job.launcher.start(
            list(argv),
            cwd=folder,
            env=job.environment({**self._extra_env, **(env or {})}),
            merge_stderr=not fail_on_stderr,
        )
        job.pgids.append(proc.pgid)
        masker = job.masker
        result = pump(
            proc,
            step.emit,
            tick=step.log.tick,
            should_stop=step.should_stop,
            timed_out=lambda: step.timed_out or job.timed_out,
            assembler=lambda: LineAssembler(spans=masker.spans, longest=lambda: masker.longest),
            long_running=lambda: job.queue.record_process(job.spec.job_id, proc.pgid),
        )
        if result.timed_out:
            step.issue(
                "error", "The task has timed out." if step.timed_out else "The job has timed out."
            )
        return result

    def read_test_results(self, path: Path, fmt: str) -> list[TestCase]:
        return self._step.job.test_reader.read(path, fmt)

    def publish_tests(self, title: str, cases: Sequence[TestCase]) -> None:
        job = self._step.job
        masked = [
            TestCase(
                c.name,
                c.class_name,
                c.outcome,
                c.duration_ms,
                job.masker.mask(c.message),
                job.masker.mask(c.stack),
                c.file,
            )
            for c in cases
        ]
        job.queue.add_test_results(
            job.spec.run_id, job.spec.job_id, self._step.ref.id, title, masked
        )
        failed = sum(1 for c in cases if c.outcome == "failed")
        job.report("tests", {"total": len(cases), "failed": failed}, self._step.ref.id)

    def publish_artifact(self, name: str, source: Path, kind: str = "pipeline") -> ArtifactRecord:
        return artifacts.publish(self._step, name, source, kind)

    def download_artifacts(
        self, name: str | None, target: Path, patterns: Sequence[str]
    ) -> list[ArtifactRecord]:
        return artifacts.download(self._step, name, target, patterns)

    def service(self, kind: type[T]) -> T:
        found = self._step.job.services.get(kind)
        if found is None:
            raise EnvironmentProblem(f"this executor offers no {kind.__name__} to tasks")
        if isinstance(found, Deferred):
            found = found.build()
        return cast(T, found)


class Deferred:
    """A service built when a step first asks for it (reading settings, opening clients),
    so a worker whose steps never need it never pays for it or fails on it."""

    def build(self) -> object:
        raise NotImplementedError
