"""A run engine with fakes around it, driven step by step from a test.

Real code where it is cheap and exact: the SQL store on a SQLite file in the test's temp
folder, the real compiler over the in-memory :class:`~tests.fakes.git.FakeGit`, the real
job runner and task plugins. Fakes where the real thing would be slow or flaky:

- :class:`FakeLauncher` plays a tiny script language instead of starting ``bash``:
  ``echo TEXT`` (``$VAR``/``${VAR}`` expanded from the step's environment), ``printf TEXT``
  (no newline; ``\\n`` understood), ``chunk TEXT`` (one separate write), ``exit N``,
  ``hang`` (runs until killed). It records every argv, environment and script it ran.
- :class:`SyncExecutor` does nothing on dispatch: :meth:`Harness.drive` turns the engine
  loop and the worker alternately, so every test is deterministic.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.adapters.testresults import XmlTestResults
from shipyard.executor.job import JobRunner
from shipyard.executor.worker import Worker
from shipyard.flow.run.compile import GitCompiler
from shipyard.flow.run.engine import Engine
from shipyard.flow.run.events import InProcessBus, SystemClock
from shipyard.flow.run.records import QueuedJob, RunRecord
from shipyard.flow.run.spec import JobSpec, RunRequest
from shipyard.store import SqlStore, StoreConfig, open_store
from tests.fakes.git import FakeGit

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _expand(text: str, env: Mapping[str, str]) -> str:
    return _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), ""), text)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


class ScriptedProcess:
    """A process whose output and exit are given up front."""

    _next_pid = 40_000

    def __init__(self, chunks: list[bytes], code: int, hang: bool = False) -> None:
        ScriptedProcess._next_pid += 1
        self.pgid = ScriptedProcess._next_pid
        self.chunks = list(chunks)
        self.code = code
        self.hang = hang
        self.killed = False

    @property
    def eof(self) -> bool:
        return self.killed or (not self.chunks and not self.hang)

    def read(self, timeout: float) -> list[tuple[str, bytes]]:
        if self.chunks and not self.killed:
            return [("out", self.chunks.pop(0))]
        time.sleep(min(timeout, 0.005))
        return []

    def poll(self) -> int | None:
        if self.killed:
            return -9
        return None if (self.chunks or self.hang) else self.code

    def kill(self, grace: float = 3.0) -> None:
        self.killed = True

    def wait(self, timeout: float | None = None) -> int | None:
        return self.poll()

    def close(self) -> None:
        return None


def play(script: str, env: Mapping[str, str]) -> ScriptedProcess:
    chunks: list[bytes] = []
    for raw in script.splitlines():
        line = raw.strip()
        word, _, rest = line.partition(" ")
        if word == "echo":
            chunks.append((_expand(_unquote(rest), env) + "\n").encode())
        elif word in ("printf", "chunk"):
            text = _expand(_unquote(rest), env).replace("\\n", "\n")
            chunks.append(text.encode())
        elif word == "bytes":
            chunks.append(bytes.fromhex(rest))
        elif word == "exit":
            return ScriptedProcess(chunks, int(rest or 0))
        elif word == "hang":
            return ScriptedProcess(chunks, 0, hang=True)
    return ScriptedProcess(chunks, 0)


@dataclass
class Started:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    script: str


@dataclass
class FakeLauncher:
    started: list[Started] = field(default_factory=list)
    processes: list[ScriptedProcess] = field(default_factory=list)

    def start(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], merge_stderr: bool
    ) -> ScriptedProcess:
        path = Path(argv[-1])
        script = path.read_text() if path.is_file() else ""
        self.started.append(Started(list(argv), dict(env), cwd, script))
        proc = play(script, env)
        self.processes.append(proc)
        return proc


@dataclass
class FakeCheckout:
    calls: list[tuple[str, str, Path]] = field(default_factory=list)

    def checkout(self, repo: str, sha: str, dest: Path) -> list[str]:
        self.calls.append((repo, sha, dest))
        (dest / "README").write_text("checked out\n")
        return [f"checked out {sha[:7]}"]


class SyncExecutor:
    """Jobs wait in the store until the test lets the worker take them."""

    def __init__(self) -> None:
        self.dispatched: list[JobSpec] = []
        self.canceled: list[int] = []
        self.reaped: list[QueuedJob] = []

    def start(self, wake: Any) -> None:
        return None

    def dispatch(self, job: JobSpec) -> None:
        self.dispatched.append(job)

    def cancel(self, job_id: int) -> None:
        self.canceled.append(job_id)

    def reap(self, jobs: Sequence[QueuedJob]) -> None:
        self.reaped += jobs

    def close(self) -> None:
        return None


def store_at(tmp: Path) -> SqlStore:
    config = StoreConfig(f"sqlite:///{tmp / 'shipyard.db'}", tmp / "artifacts", tmp / "key")
    return open_store(config)


@dataclass
class Harness:
    tmp: Path
    store: SqlStore
    git: FakeGit
    engine: Engine
    worker: Worker
    launcher: FakeLauncher
    executor: SyncExecutor
    bus: InProcessBus

    @classmethod
    def create(
        cls,
        tmp: Path,
        *,
        gate: Any = None,
        store: SqlStore | None = None,
        git_for: Any = None,
    ) -> Harness:
        """``git_for`` (repo -> Git port): the repositories runs compile from; by default
        one :class:`FakeGit` for every run."""
        store = store or store_at(tmp)
        git = FakeGit()
        launcher = FakeLauncher()
        executor = SyncExecutor()
        bus = InProcessBus()
        engine = Engine(
            store,
            executor,
            bus,
            GitCompiler(git_for or (lambda _repo: git)),
            SystemClock(),
            gate=gate,
        )
        engine.start(thread=False)
        runner = JobRunner(
            store, launcher, FakeCheckout(), XmlTestResults(), tmp / "work", lambda: None
        )
        worker = Worker(store, runner, "test-worker", engine.id)
        return cls(tmp, store, git, engine, worker, launcher, executor, bus)

    def request(
        self, yaml: str, *, branch: str = "main", message: str = "", **extra: Any
    ) -> RunRequest:
        sha = self.git.commit(branch, {"azure-pipelines.yml": yaml}, message=message)
        fields: dict[str, Any] = {
            "pipeline": "app",
            "file": "azure-pipelines.yml",
            "repo": "fake",
            "event": {"kind": "manual", "ref": f"refs/heads/{branch}"},
            "sha": sha,
            "ref": f"refs/heads/{branch}",
            "reason": "Manual",
        }
        fields.update(extra)
        return RunRequest(**fields)

    def submit_request(self, request: RunRequest) -> int:
        """A ready request (a pull request's build, say) into the engine: its run id."""
        future = self.engine.submit(request)
        self.engine.run_once()
        run_id = future.result(5)
        assert run_id is not None
        return run_id

    def submit(self, yaml: str, **extra: Any) -> int:
        future = self.engine.submit(self.request(yaml, **extra))
        self.engine.run_once()
        run_id = future.result(5)
        assert run_id is not None
        return run_id

    def drive(self, run_id: int | None = None, turns: int = 200) -> None:
        """Engine and worker in turn until nothing moves (or the run settles)."""
        for _ in range(turns):
            self.engine.run_once()
            if self.worker.run_one():
                continue
            self.engine.run_once()
            if run_id is not None and self.engine.settled(run_id):
                return
            if run_id is None and not self.store.pending_reports(list(self.engine.active)):
                return

    def run(self, yaml: str, **extra: Any) -> RunRecord:
        run_id = self.submit(yaml, **extra)
        self.drive(run_id)
        run = self.store.get_run(run_id)
        assert run is not None
        return run

    def log(self, run_id: int, step: str | None = None) -> list[str]:
        run = self.store.get_run(run_id)
        assert run is not None
        ids = [s.id for st in run.stages for j in st.jobs for s in j.steps if s.name == step]
        lines = self.store.logs(run_id, step_id=ids[0] if ids else None)
        return [line.text for line in lines]


def statuses(run: RunRecord) -> dict[str, str]:
    """``{"Stage/Job": status, "Stage/Job/step": status, "Stage": status}``."""
    out: dict[str, str] = {}
    for stage in run.stages:
        out[stage.name] = str(stage.status)
        for job in stage.jobs:
            out[f"{stage.name}/{job.name}"] = str(job.status)
            for step in job.steps:
                out[f"{stage.name}/{job.name}/{step.name}"] = str(step.status)
    return out
