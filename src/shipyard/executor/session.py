"""The state of a job while a worker runs it, and of the step under way.

A :class:`JobSession` holds what steps share: the job's variables (which logging commands
extend), the secret masker (which ``isSecret`` values extend), extra ``PATH`` entries, the
job's status so far, its deadline and cancel flag, and the ports. A :class:`StepSession`
is one step: its log, its issues, and the result a ``task.complete`` command may force.
Every line of output passes through :meth:`StepSession.emit`: binary lines are replaced,
logging commands are acted on (and never stored: they may carry secrets), everything else
is masked and stored.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shipyard.executor import vso
from shipyard.executor.logstream import Line, binary_marker
from shipyard.executor.logwriter import LogWriter
from shipyard.executor.masking import SecretMasker
from shipyard.flow.run.records import Report, ReportKind
from shipyard.flow.run.spec import JobSpec, StepRef
from shipyard.flow.run.status import Status
from shipyard.flow.run.variables import Scope
from shipyard.ports import JobQueue, ProcessLauncher
from shipyard.tasks.api import JobPaths, TestResultReader

#: How often the store is asked whether the job was canceled (a cancel lands within this).
CANCEL_CHECK_SECONDS = 0.2
#: Environment variables of the worker that a step never sees.
_HIDDEN_PREFIXES = ("SHIPYARD_",)


@dataclass(slots=True)
class JobSession:
    spec: JobSpec
    queue: JobQueue
    scope: Scope
    masker: SecretMasker
    paths: JobPaths
    launcher: ProcessLauncher
    test_reader: TestResultReader
    ring: Callable[[], None]
    cancel_check: Callable[[], bool]
    token: str
    services: Mapping[type, object] = field(default_factory=dict)
    status: Status = Status.succeeded
    canceled: bool = False
    timed_out: bool = False
    deadline: float | None = None
    prepend_path: list[str] = field(default_factory=list)
    pgids: list[int] = field(default_factory=list)
    clock: Callable[[], float] = time.time
    cancel_deadline: float | None = None
    base_env: dict[str, str] | None = None
    last_cancel_check: float = float("-inf")
    tools: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def make_report(
        self, kind: ReportKind, data: dict[str, Any], step_id: int | None = None
    ) -> Report:
        return Report(kind, self.spec.run_id, self.spec.job_id, data, step_id, self.clock())

    def report(self, kind: ReportKind, data: dict[str, Any], step_id: int | None = None) -> None:
        self.queue.report(self.make_report(kind, data, step_id))
        self.ring()

    def should_stop(self) -> bool:
        """Checks the cancel flag and the job's deadline; sets ``canceled``/``timed_out``.

        Once canceled, the steps that run anyway (``always()``) get
        ``cancelTimeoutInMinutes`` to finish: :attr:`cancel_deadline`.
        """
        now = time.monotonic()
        if not self.canceled and now - self.last_cancel_check >= CANCEL_CHECK_SECONDS:
            self.last_cancel_check = now
            self.canceled = self.cancel_check()
        if self.deadline is not None and self.clock() > self.deadline and not self.timed_out:
            self.timed_out = True
            self.canceled = True
        if self.canceled and self.cancel_deadline is None:
            self.cancel_deadline = self.clock() + self.spec.cancel_timeout_minutes * 60
        return self.canceled

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        if self.base_env is None:  # the worker's own, without Shipyard's settings
            self.base_env = {
                k: v for k, v in os.environ.items() if not k.startswith(_HIDDEN_PREFIXES)
            }
        env = dict(self.base_env)
        env.update(self.scope.environment())
        env["TF_BUILD"] = "True"
        env["AGENT_JOBSTATUS"] = _AZURE_STATUS[self.status]
        env["SHIPYARD_JOB_TOKEN"] = self.token
        if self.prepend_path:
            env["PATH"] = os.pathsep.join([*self.prepend_path, env.get("PATH", "")])
        env.update(extra or {})
        return env


_AZURE_STATUS = {
    Status.succeeded: "Succeeded",
    Status.succeededWithIssues: "SucceededWithIssues",
    Status.failed: "Failed",
    Status.canceled: "Canceled",
    Status.skipped: "Skipped",
    Status.expired: "Canceled",
    Status.queued: "Succeeded",
    Status.running: "Succeeded",
    Status.waiting: "Succeeded",
}


class StepSession:
    def __init__(self, job: JobSession, ref: StepRef, log: LogWriter) -> None:
        self.job = job
        self.ref = ref
        self.log = log
        self.override: Status | None = None
        self.issues = {"warning": 0, "error": 0}
        self.deadline: float | None = None
        self.timed_out = False
        self.after_cancel = job.canceled  # runs anyway (always()), within the cancel timeout

    @property
    def name(self) -> str:
        return self.ref.step.name

    def line(self, text: str) -> None:
        """A line Shipyard itself writes to the step's log (masked like any other)."""
        for part in text.splitlines() or [""]:
            self.log.write(self.job.masker.mask(part))

    def emit(self, line: Line) -> None:
        """One line of the step's output."""
        marker = binary_marker(line.text)
        if marker is not None:
            self.log.write(marker)
            return
        command = vso.parse(line.text)
        if command is not None:
            from shipyard.executor.commands import handle

            handle(self, command)
            return
        self.log.write(self.job.masker.mask(line.shown))

    def issue(self, kind: str, message: str) -> None:
        masked = self.job.masker.mask(message)
        self.issues[kind] = self.issues.get(kind, 0) + 1
        self.line(f"##[{kind}]{masked}")
        self.job.report("issue", {"type": kind, "message": masked}, self.ref.id)

    def should_stop(self) -> bool:
        if self.deadline is not None and self.job.clock() > self.deadline:
            self.timed_out = True
            return True
        if self.after_cancel:
            limit = self.job.cancel_deadline
            return limit is not None and self.job.clock() > limit
        return self.job.should_stop()
