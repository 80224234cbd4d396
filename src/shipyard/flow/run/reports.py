"""Applying an executor's reports to a run: the only way a job's progress becomes state.

Reports arrive in the order the worker sent them. Applying one is idempotent where it can
be (a step that is already final stays final), so a report applied twice after a crash
does no harm.
"""

from __future__ import annotations

from shipyard.flow.run.recorder import Recorder
from shipyard.flow.run.records import IssueRecord, Report
from shipyard.flow.run.snapshot import JobState
from shipyard.flow.run.spec import VarValue
from shipyard.flow.run.status import Status


def apply_report(rec: Recorder, report: Report) -> bool:
    """Apply one report; True when the job finished (the run may move on)."""
    job = rec.snap.job_by_id(report.job_id)
    if job is None or job.status.final:
        return False
    handler = _HANDLERS.get(report.kind)
    if handler is None:
        return False
    return handler(rec, job, report)


def _job_restarted(rec: Recorder, job: JobState, report: Report) -> bool:
    """A new attempt took the job over from a lost worker and runs it from its first step:
    what the lost attempt recorded (steps, output variables) starts over with it."""
    for step in job.steps:
        if step.status is not Status.queued:
            step.status = Status.queued
            rec.batch.update(
                "step",
                step.id,
                status=Status.queued,
                started_at=None,
                finished_at=None,
                message="",
                exit_code=None,
            )
            rec.batch.event(
                "step", rec.snap.id, Status.queued, stage=job.stage, job=job.name, step=step.name
            )
    if job.outputs:
        job.outputs.clear()
        rec.batch.update("job", job.id, outputs={})
    rec.batch.event(
        "job_restarted",
        rec.snap.id,
        stage=job.stage,
        job=job.name,
        data={"lost": str(report.data.get("lost", ""))},
    )
    return False


def _job_started(rec: Recorder, job: JobState, report: Report) -> bool:
    rec.job(job, Status.running, at=report.at, worker=str(report.data.get("worker", "")))
    return False


def _step_started(rec: Recorder, job: JobState, report: Report) -> bool:
    step = job.step(report.step_id or 0)
    if step is not None and not step.status.final:
        rec.step(job, step, Status.running, at=report.at)
    return False


def _step_finished(rec: Recorder, job: JobState, report: Report) -> bool:
    step = job.step(report.step_id or 0)
    if step is None or step.status.final:
        return False
    status = Status(str(report.data.get("status", "failed")))
    code = report.data.get("exit_code")
    rec.step(
        job,
        step,
        status,
        str(report.data.get("message", "")),
        at=report.at,
        exit_code=int(code) if isinstance(code, int) else None,
    )
    return False


def _issue(rec: Recorder, job: JobState, report: Report) -> bool:
    kind = str(report.data.get("type", "warning"))
    message = str(report.data.get("message", ""))
    rec.batch.issues.append(IssueRecord(rec.snap.id, job.id, report.step_id, kind, message))
    rec.batch.event(
        "issue",
        rec.snap.id,
        kind,
        stage=job.stage,
        job=job.name,
        data={"message": message, "step_id": report.step_id},
    )
    return False


def _variable(rec: Recorder, job: JobState, report: Report) -> bool:
    """An output variable (``isOutput=true``): kept for later jobs' ``dependencies``."""
    data = report.data
    for key in data.get("keys", ()):
        job.outputs[str(key)] = VarValue(
            str(data.get("value", "")), bool(data.get("secret")), tainted=True
        )
    rec.batch.update("job", job.id, outputs=dict(job.outputs))
    rec.batch.event(
        "variable", rec.snap.id, stage=job.stage, job=job.name, data={"keys": data.get("keys")}
    )
    return False


def _build_number(rec: Recorder, job: JobState, report: Report) -> bool:
    value = str(report.data.get("value", ""))
    rec.snap.build_number = value
    rec.batch.update("run", rec.snap.id, build_number=value)
    rec.batch.event("build_number", rec.snap.id, data={"value": value})
    return False


def _tag(rec: Recorder, job: JobState, report: Report) -> bool:
    value = str(report.data.get("value", ""))
    if value and value not in rec.snap.tags:
        rec.snap.tags.append(value)
        rec.batch.update("run", rec.snap.id, tags=list(rec.snap.tags))
        rec.batch.event("tag", rec.snap.id, data={"value": value})
    return False


def _evidence(rec: Recorder, job: JobState, report: Report) -> bool:
    """Log lines, artifacts and test results are stored by the worker: announce them."""
    rec.batch.event(
        report.kind,
        rec.snap.id,
        stage=job.stage,
        job=job.name,
        data={**report.data, "step_id": report.step_id, "job_id": job.id},
    )
    return False


def _job_finished(rec: Recorder, job: JobState, report: Report) -> bool:
    status = Status(str(report.data.get("status", "failed")))
    rec.close_job(job, status, str(report.data.get("message", "")), report.at)
    rec.batch.dequeue.append(job.id)
    return True


_HANDLERS = {
    "job_restarted": _job_restarted,
    "job_started": _job_started,
    "step_started": _step_started,
    "step_finished": _step_finished,
    "issue": _issue,
    "variable": _variable,
    "build_number": _build_number,
    "tag": _tag,
    "log": _evidence,
    "artifact": _evidence,
    "tests": _evidence,
    "job_finished": _job_finished,
}
