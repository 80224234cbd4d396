"""The engine's working copy of one run: its spec, and the status of every part.

The store builds a :class:`RunSnapshot` when a run is planned or adopted after a restart;
the engine then keeps it in step with what it commits, so that scheduling decisions never
need a query. Nothing here talks to the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shipyard.flow.run.records import RunRecord
from shipyard.flow.run.spec import JobDef, RunSpec, StageDef, VarValue
from shipyard.flow.run.status import Status


@dataclass(slots=True)
class StepState:
    id: int
    name: str
    status: Status = Status.queued


@dataclass(slots=True)
class JobState:
    id: int
    stage: str
    name: str
    status: Status = Status.queued
    outputs: dict[str, VarValue] = field(default_factory=dict)
    dispatched: bool = False
    started_at: float | None = None
    steps: list[StepState] = field(default_factory=list)

    def step(self, step_id: int) -> StepState | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(slots=True)
class StageState:
    id: int
    name: str
    status: Status = Status.queued
    variables: dict[str, VarValue] | None = None
    jobs: dict[str, JobState] = field(default_factory=dict)


@dataclass(slots=True)
class RunSnapshot:
    run: RunRecord
    spec: RunSpec | None
    status: Status = Status.queued
    variables: dict[str, VarValue] | None = None
    stages: dict[str, StageState] = field(default_factory=dict)
    cancel_requested: bool = False
    build_number: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.run.id

    def stage_def(self, name: str) -> StageDef:
        assert self.spec is not None
        return self.spec.stage(name)

    def job_def(self, stage: str, job: str) -> JobDef:
        return next(j for j in self.stage_def(stage).jobs if j.name == job)

    def job_by_id(self, job_id: int) -> JobState | None:
        for stage in self.stages.values():
            for job in stage.jobs.values():
                if job.id == job_id:
                    return job
        return None

    def jobs(self) -> list[JobState]:
        return [j for s in self.stages.values() for j in s.jobs.values()]
