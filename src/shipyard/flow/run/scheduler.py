"""Deciding what happens next in a run: which stages start, which jobs go to executors.

Called by the engine loop after anything changed. Stages start when the stages they
depend on are finished and their condition holds; jobs are handed out when the jobs they
depend on (in the same stage) are finished and their condition holds, in parallel
otherwise. Variables are evaluated where Azure evaluates them: the pipeline's when the
run starts, a stage's when it starts, a job's (``$[ dependencies... ]`` included) when the
job is handed out. A gate may hold a stage or job in ``waiting`` until an outside decision
arrives. Nothing here talks to the store: changes go into the batch, jobs to hand out are
returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from shipyard.config import expressions as ex
from shipyard.flow.run import conditions as cond
from shipyard.flow.run.recorder import Recorder
from shipyard.flow.run.snapshot import JobState, RunSnapshot, StageState
from shipyard.flow.run.spec import JobDef, JobSpec, StageDef, StepRef, VarValue
from shipyard.flow.run.status import Status, roll_up
from shipyard.flow.run.variables import Scope

Verdict = Literal["go", "wait", "reject", "expire"]
#: ``gate(stage, job or None, environment) -> (verdict, message)``
GateFn = Callable[[str, str | None, str], tuple[Verdict, str]]
CounterFn = Callable[[str, int], int]


class StoreCounters(ex.Counters):
    """``counter(prefix, seed)`` backed by the store, one sequence per pipeline and prefix."""

    def __init__(self, pipeline: str, counter: CounterFn) -> None:
        super().__init__()
        self._pipeline = pipeline
        self._counter = counter

    def next(self, prefix: str, seed: int) -> int:
        return self._counter(f"counter:{self._pipeline}:{prefix}", seed)


@dataclass(slots=True)
class Scheduler:
    snap: RunSnapshot
    rec: Recorder
    counter: CounterFn
    gate: GateFn

    @property
    def canceled(self) -> bool:
        return self.snap.cancel_requested

    def advance(self) -> list[JobSpec]:
        """Move the run forward as far as it can go now; return jobs to hand out."""
        if self.snap.status.final or self.snap.spec is None:
            return []
        if self.snap.status is Status.queued:
            self.rec.run(Status.running)
        run_scope = self._run_scope()
        if run_scope is None:
            return []
        out: list[JobSpec] = []
        for stage_def in self.snap.spec.stages:
            stage = self.snap.stages[stage_def.name]
            if stage.status in (Status.queued, Status.waiting):
                self._try_start_stage(stage_def, stage, run_scope)
            if stage.status is Status.running:
                out += self._advance_jobs(stage_def, stage, run_scope)
        self._finish_run_if_done()
        return out

    # -- scopes ----------------------------------------------------------------------
    def _run_scope(self) -> Scope | None:
        assert self.snap.spec is not None
        if self.snap.variables is None:
            scope = Scope()
            ctx = cond.Context(scope, ex.StatusContext(), counters=self._counters())
            problems = scope.define(self.snap.spec.variables, ctx.eval_context)
            if problems:
                self._fail_run("; ".join(problems))
                return None
            self.snap.variables = scope.as_dict()
            self.rec.batch.update("run", self.snap.id, variables=self.snap.variables)
        return Scope(self.snap.variables)

    def _counters(self) -> ex.Counters:
        assert self.snap.spec is not None
        return StoreCounters(self.snap.spec.pipeline, self.counter)

    def _stage_scope(self, stage: StageState, run_scope: Scope) -> Scope:
        scope = run_scope.child()
        for name, value in (stage.variables or {}).items():
            scope.set(name, value)
        return scope

    # -- stages ----------------------------------------------------------------------
    def _try_start_stage(self, stage_def: StageDef, stage: StageState, run_scope: Scope) -> None:
        deps = {d: self.snap.stages[d] for d in stage_def.depends_on if d in self.snap.stages}
        if not all(d.status.final for d in deps.values()):
            return
        ctx = cond.Context(
            run_scope.child(),
            cond.deps_status({n: d.status for n, d in deps.items()}, self.canceled),
            dependencies={n: cond.stage_as_dependency(d) for n, d in deps.items()},
            stage_dependencies=cond.stage_dependencies(self.snap.stages, stage.name),
            parameters=self.snap.spec.parameters if self.snap.spec else {},
            counters=self._counters(),
        )
        try:
            ok = cond.holds(stage_def.condition, ctx)
        except cond.ConditionError as err:
            self.rec.close_stage(stage, Status.failed, err.message)
            return
        if not ok:
            status = Status.canceled if self.canceled else Status.skipped
            self.rec.close_stage(stage, status, f"condition is false: {stage_def.condition}")
            return
        verdict, message = self.gate(stage.name, None, "")
        if verdict == "wait":
            if stage.status is not Status.waiting:
                self.rec.stage(stage, Status.waiting, message)
            return
        if verdict in ("reject", "expire"):
            status = Status.expired if verdict == "expire" else Status.failed
            self.rec.close_stage(stage, status, message)
            return
        problems = ctx.scope.define(stage_def.variables, ctx.eval_context)
        stage.variables = {k: v for k, v in ctx.scope.as_dict().items() if run_scope.get(k) != v}
        self.rec.stage(stage, Status.running, "; ".join(problems), variables=stage.variables)

    # -- jobs ------------------------------------------------------------------------
    def _advance_jobs(
        self, stage_def: StageDef, stage: StageState, run_scope: Scope
    ) -> list[JobSpec]:
        out: list[JobSpec] = []
        for job_def in stage_def.jobs:
            job = stage.jobs[job_def.name]
            if job.status in (Status.queued, Status.waiting) and not job.dispatched:
                spec = self._try_start_job(stage_def, stage, job_def, job, run_scope)
                if spec is not None:
                    out.append(spec)
        if all(j.status.final for j in stage.jobs.values()):
            status = roll_up(
                (stage.jobs[j.name].status, j.continue_on_error) for j in stage_def.jobs
            )
            if self.canceled and status is Status.skipped:
                status = Status.canceled
            self.rec.stage(stage, status)
        return out

    def _try_start_job(
        self,
        stage_def: StageDef,
        stage: StageState,
        job_def: JobDef,
        job: JobState,
        run_scope: Scope,
    ) -> JobSpec | None:
        deps = {d: stage.jobs[d] for d in job_def.depends_on if d in stage.jobs}
        if not all(d.status.final for d in deps.values()):
            return None
        ctx = cond.Context(
            self._stage_scope(stage, run_scope),
            cond.deps_status({n: d.status for n, d in deps.items()}, self.canceled),
            dependencies=cond.job_dependencies(stage, job_def.depends_on),
            stage_dependencies=cond.stage_dependencies(self.snap.stages, stage.name),
            parameters=self.snap.spec.parameters if self.snap.spec else {},
            counters=self._counters(),
        )
        try:
            ok = cond.holds(job_def.condition, ctx)
        except cond.ConditionError as err:
            self.rec.close_job(job, Status.failed, err.message)
            return None
        if not ok:
            status = Status.canceled if self.canceled else Status.skipped
            self.rec.close_job(job, status, f"condition is false: {job_def.condition}")
            return None
        verdict, message = self.gate(stage.name, job.name, job_def.environment)
        if verdict == "wait":
            if job.status is not Status.waiting:
                self.rec.job(job, Status.waiting, message)
            return None
        if verdict in ("reject", "expire"):
            status = Status.expired if verdict == "expire" else Status.failed
            self.rec.close_job(job, status, message)
            return None
        self._system_variables(ctx.scope, stage_def, job_def, job)
        problems = ctx.scope.define(job_def.variables, ctx.eval_context)
        if problems:
            self.rec.close_job(job, Status.failed, "; ".join(problems))
            return None
        job.dispatched = True
        if job.status is Status.waiting:
            self.rec.job(job, Status.queued)
        return self._job_spec(stage_def, job_def, job, ctx.scope)

    def _system_variables(
        self, scope: Scope, stage_def: StageDef, job_def: JobDef, job: JobState
    ) -> None:
        for name, value in {
            "System.StageName": stage_def.name,
            "System.StageDisplayName": stage_def.display_name,
            "System.JobName": job_def.name,
            "System.JobDisplayName": job_def.display_name,
            "System.JobId": str(job.id),
            "System.JobAttempt": "1",
            "Agent.JobName": job_def.display_name,
            "System.PhaseName": job_def.name,
            "Environment.Name": job_def.environment,
        }.items():
            scope.set(name, VarValue(value, readonly=True))

    def _job_spec(
        self, stage_def: StageDef, job_def: JobDef, job: JobState, scope: Scope
    ) -> JobSpec:
        spec = self.snap.spec
        assert spec is not None
        steps = tuple(StepRef(s.id, d) for s, d in zip(job.steps, job_def.steps, strict=True))
        return JobSpec(
            run_id=self.snap.id,
            job_id=job.id,
            stage=stage_def.name,
            job=job_def.name,
            display_name=job_def.display_name,
            pipeline=spec.pipeline,
            repo=spec.repo,
            sha=spec.sha,
            ref=spec.ref,
            checkout=any(s.kind == "checkout" for s in job_def.steps),
            variables=scope.as_dict(),
            steps=steps,
            timeout_minutes=job_def.timeout_minutes,
            cancel_timeout_minutes=job_def.cancel_timeout_minutes,
            deployment=job_def.deployment,
            pool=job_def.pool,
            demands=job_def.demands,
        )

    # -- the run ---------------------------------------------------------------------
    def _finish_run_if_done(self) -> None:
        if self.snap.status.final or not all(s.status.final for s in self.snap.stages.values()):
            return
        status = roll_up((s.status, False) for s in self.snap.stages.values())
        if self.canceled and status in (Status.succeeded, Status.skipped):
            status = Status.canceled
        if status is Status.skipped:
            status = Status.succeeded  # a run whose every stage was skipped did what it should
        self.rec.run(status)

    def _fail_run(self, message: str) -> None:
        for stage in self.snap.stages.values():
            if not stage.status.final:
                self.rec.close_stage(stage, Status.skipped)
        self.rec.run(Status.failed, message)
