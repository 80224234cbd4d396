"""Status changes of one run, applied to the engine's snapshot and its batch at once.

Each method moves one part (run, stage, job, step) to a new status, stamps its start or
finish time, and records both the row update and the event. Cascades live here too: a
stage that does not run takes its jobs and their steps with it.
"""

from __future__ import annotations

from typing import Any

from shipyard.flow.run.changes import Batch
from shipyard.flow.run.snapshot import JobState, RunSnapshot, StageState, StepState
from shipyard.flow.run.status import Status


class Recorder:
    def __init__(self, snap: RunSnapshot, batch: Batch) -> None:
        self.snap = snap
        self.batch = batch

    def _times(self, status: Status, already_started: bool, at: float | None) -> dict[str, Any]:
        when = at or self.batch.at
        out: dict[str, Any] = {}
        if status is Status.running and not already_started:
            out["started_at"] = when
        if status.final:
            out["finished_at"] = when
        return out

    def run(self, status: Status, message: str = "", **values: Any) -> None:
        times = self._times(status, self.snap.status is not Status.queued, None)
        self.snap.status = status
        if message:
            values["message"] = message
        self.batch.update("run", self.snap.id, status=status, **times, **values)
        data = {"message": message} if message else {}
        self.batch.event("run", self.snap.id, status, data=data)

    def stage(self, stage: StageState, status: Status, message: str = "", **values: Any) -> None:
        times = self._times(status, stage.status in (Status.running,), None)
        stage.status = status
        if message:
            values["message"] = message
        self.batch.update("stage", stage.id, status=status, **times, **values)
        data = {"message": message} if message else {}
        self.batch.event("stage", self.snap.id, status, stage=stage.name, data=data)

    def job(
        self,
        job: JobState,
        status: Status,
        message: str = "",
        at: float | None = None,
        **values: Any,
    ) -> None:
        times = self._times(status, job.started_at is not None, at)
        if "started_at" in times:
            job.started_at = times["started_at"]
        job.status = status
        if message:
            values["message"] = message
        self.batch.update("job", job.id, status=status, **times, **values)
        data = {"message": message} if message else {}
        self.batch.event("job", self.snap.id, status, stage=job.stage, job=job.name, data=data)

    def step(
        self,
        job: JobState,
        step: StepState,
        status: Status,
        message: str = "",
        at: float | None = None,
        **values: Any,
    ) -> None:
        times = self._times(status, step.status is Status.running, at)
        step.status = status
        if message:
            values["message"] = message
        self.batch.update("step", step.id, status=status, **times, **values)
        data = {"message": message} if message else {}
        self.batch.event(
            "step", self.snap.id, status, stage=job.stage, job=job.name, step=step.name, data=data
        )

    def close_job(
        self, job: JobState, status: Status, message: str = "", at: float | None = None
    ) -> None:
        """Finish a job, and every step of it that is not finished yet."""
        for step in job.steps:
            if step.status is Status.running:
                self.step(job, step, Status.failed if status is Status.failed else status, at=at)
            elif not step.status.final:
                left = Status.canceled if status is Status.canceled else Status.skipped
                self.step(job, step, left, at=at)
        self.job(job, status, message, at)

    def close_stage(self, stage: StageState, status: Status, message: str = "") -> None:
        """A stage that will not run (or stops): its unfinished jobs go with it."""
        for job in stage.jobs.values():
            if not job.status.final:
                self.close_job(job, status if status is not Status.failed else Status.skipped)
        self.stage(stage, status, message)
