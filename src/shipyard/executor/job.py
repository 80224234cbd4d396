"""Running one job: its workspace, its steps in order, and its result, all as reports.

The job gets a fresh workspace (``s/`` for sources, ``a/``, ``b/``, ``TestResults/``,
``_temp/``) and the directory variables that point at it. Each step's condition is
evaluated against the job's status so far, then the step runs and reports its result.
Statuses follow Azure: a failed step fails the job unless it has ``continueOnError``
(then the job succeeds with issues); a step that times out fails; once the job is
canceled or has timed out, only steps whose condition still holds (``always()``,
``canceled()``) run. At the end every process group the job started is killed, so
nothing outlives it, and the workspace is removed (``SHIPYARD_KEEP_WORKSPACES=1`` keeps it).
"""

from __future__ import annotations

import os
import shutil
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

from shipyard.adapters.shell import kill_group
from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.logwriter import LogWriter, budget_from_env
from shipyard.executor.masking import SecretMasker
from shipyard.executor.session import JobSession, StepSession
from shipyard.executor.steps import perform
from shipyard.flow.run import conditions as cond
from shipyard.flow.run.spec import JobSpec, StepRef, VarValue
from shipyard.flow.run.status import Status, worst
from shipyard.flow.run.variables import Scope
from shipyard.ports import JobQueue, ProcessLauncher, SourceCheckout
from shipyard.tasks.api import JobPaths, TaskOutcome, TestResultReader


def directory_variables(paths: JobPaths) -> dict[str, str]:
    return {
        "Agent.BuildDirectory": str(paths.workspace),
        "Pipeline.Workspace": str(paths.workspace),
        "Agent.TempDirectory": str(paths.temp),
        "Build.SourcesDirectory": str(paths.sources),
        "Build.Repository.LocalPath": str(paths.sources),
        "System.DefaultWorkingDirectory": str(paths.sources),
        "Build.ArtifactStagingDirectory": str(paths.staging),
        "Build.StagingDirectory": str(paths.staging),
        "System.ArtifactsDirectory": str(paths.staging),
        "Build.BinariesDirectory": str(paths.binaries),
        "Common.TestResultsDirectory": str(paths.test_results),
    }


class JobRunner:
    def __init__(
        self,
        queue: JobQueue,
        launcher: ProcessLauncher,
        checkout: SourceCheckout,
        test_reader: TestResultReader,
        work_root: Path,
        ring: Callable[[], None],
        *,
        worker: str = "local",
        services: Mapping[type, object] | None = None,
        clock: Callable[[], float] | None = None,
        keep_workspaces: bool | None = None,
        kill: Callable[[int], None] | None = None,
    ) -> None:
        self.queue = queue
        self.launcher = launcher
        self.checkout = checkout
        self.test_reader = test_reader
        self.work_root = work_root
        self.ring = ring
        self.worker = worker
        self.services = dict(services or {})
        self.clock = clock or time.time
        self.keep = (
            os.environ.get("SHIPYARD_KEEP_WORKSPACES") == "1"
            if keep_workspaces is None
            else keep_workspaces
        )
        self.kill = kill or kill_group

    def run(self, spec: JobSpec, token: str, cancel_check: Callable[[], bool]) -> Status:
        paths = JobPaths.under(self.work_root / str(spec.run_id) / str(spec.job_id))
        shutil.rmtree(paths.workspace, ignore_errors=True)
        for folder in paths.all():
            folder.mkdir(parents=True, exist_ok=True)
        scope = Scope(spec.variables)
        for name, value in directory_variables(paths).items():
            scope.set(name, VarValue(value, readonly=True))
        job = JobSession(
            spec=spec,
            queue=self.queue,
            scope=scope,
            masker=SecretMasker(scope.secret_values()),
            paths=paths,
            launcher=self.launcher,
            test_reader=self.test_reader,
            ring=self.ring,
            cancel_check=cancel_check,
            token=token,
            services=self.services,
            clock=self.clock,
        )
        if spec.timeout_minutes > 0:
            job.deadline = self.clock() + spec.timeout_minutes * 60
        job.report("job_started", {"worker": self.worker, "workspace": str(paths.workspace)})
        message = ""
        try:
            for ref in spec.steps:
                self._step(job, ref)
        except Exception as exc:  # a bug must still end the job, with its reason logged
            job.status = Status.failed
            message = f"internal error in the executor: {type(exc).__name__}: {exc}"
            LogWriter(self.queue, spec.run_id, spec.job_id, None, self.ring).write(
                "##[error]" + job.masker.mask(message + "\n" + traceback.format_exc())
            )
        finally:
            for pgid in job.pgids:
                self.kill(pgid)
            if not self.keep:
                shutil.rmtree(paths.workspace, ignore_errors=True)
        status = job.status
        if job.timed_out:
            status, message = Status.failed, f"the job timed out after {spec.timeout_minutes} min"
        elif job.canceled and status is not Status.failed:
            status, message = Status.canceled, message or "the run was canceled"
        job.report("job_finished", {"status": str(status), "message": message})
        return status

    def _step(self, job: JobSession, ref: StepRef) -> None:
        step = ref.step
        job.should_stop()
        if not step.enabled:
            job.report("step_finished", {"status": "skipped", "message": "disabled"}, ref.id)
            return
        ctx = cond.Context(job.scope, cond.step_status(job.status, job.canceled))
        try:
            runs = cond.holds(step.condition, ctx)
        except cond.ConditionError as err:
            job.report("step_finished", {"status": "failed", "message": err.message}, ref.id)
            job.status = Status.failed
            return
        if not runs:
            status = "canceled" if job.canceled else "skipped"
            message = f"condition is false: {step.condition}"
            job.report("step_finished", {"status": status, "message": message}, ref.id)
            return
        log = LogWriter(
            self.queue, job.spec.run_id, job.spec.job_id, ref.id, self.ring, budget_from_env()
        )
        session = StepSession(job, ref, log)
        if step.timeout_minutes > 0:
            session.deadline = self.clock() + step.timeout_minutes * 60
        session.line(f"##[section]Starting: {step.display_name}")
        log.flush([job.make_report("step_started", {}, ref.id)])
        outcome = self._perform(session)
        status = _step_status(session, outcome)
        if status is Status.failed and step.continue_on_error:
            # As Azure's agent does: the step itself is recorded as succeeded with issues.
            status = Status.succeededWithIssues
        session.line(f"##[section]Finishing: {step.display_name}")
        message = job.masker.mask(outcome.message)
        log.close(
            [job.make_report("step_finished", {"status": str(status), "message": message}, ref.id)]
        )
        if status is Status.failed:
            job.status = Status.failed
        elif status is Status.canceled:
            job.canceled = True
        elif status is Status.succeededWithIssues and job.status is Status.succeeded:
            job.status = status

    def _perform(self, session: StepSession) -> TaskOutcome:
        try:
            return perform(session, self.checkout)
        except ShipyardError as err:
            session.issue("error", err.message + (f" ({err.hint})" if err.hint else ""))
            return TaskOutcome.failed(err.message)


def _step_status(session: StepSession, outcome: TaskOutcome) -> Status:
    status = outcome.status
    if session.override is not None:
        status = worst(status, session.override)
    if status is Status.failed and outcome.message and not session.issues["error"]:
        session.issue("error", outcome.message)
    if session.timed_out:
        return Status.failed
    if session.job.canceled and status is not Status.succeeded:
        return Status.failed if session.job.timed_out else Status.canceled
    return status
