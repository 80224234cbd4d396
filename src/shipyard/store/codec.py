"""Rows to records and back, and the one rule for secrets: sealed on the way in.

Any mapping that says ``"secret": true`` next to a string ``"value"`` (a variable
definition, an evaluated variable, a job output, a ``variable`` report) has its value
sealed before it reaches the database, and opened when it is read back; queue-time
secrets of a run request are sealed one by one. One walker for every shape means a new
place that carries a secret variable is protected without new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from shipyard.flow.run.records import (
    ArtifactRecord,
    DecisionRecord,
    EngineRecord,
    JobRecord,
    QueuedJob,
    RunEvent,
    RunRecord,
    StageRecord,
    StepRecord,
)
from shipyard.flow.run.status import Status
from shipyard.store.crypto import SecretBox


def seal(tree: Any, box: SecretBox) -> Any:
    if isinstance(tree, Mapping):
        out = {k: seal(v, box) for k, v in tree.items()}
        if out.get("secret") is True and isinstance(out.get("value"), str):
            out["value"] = box.seal(out["value"])
        if isinstance(tree.get("secrets"), Mapping):
            out["secrets"] = {k: box.seal(str(v)) for k, v in tree["secrets"].items()}
        return out
    if isinstance(tree, list | tuple):
        return [seal(v, box) for v in tree]
    return tree


def unseal(tree: Any, box: SecretBox) -> Any:
    if isinstance(tree, Mapping):
        if set(tree) == {"enc"}:
            return box.open(tree)
        return {k: unseal(v, box) for k, v in tree.items()}
    if isinstance(tree, list):
        return [unseal(v, box) for v in tree]
    return tree


def engine_record(row: sa.Row[Any]) -> EngineRecord:
    return EngineRecord(row.id, row.host, row.pid, row.started_at, row.heartbeat_at, row.stopped_at)


def run_record(row: sa.Row[Any], stages: tuple[StageRecord, ...] = ()) -> RunRecord:
    return RunRecord(
        id=row.id,
        pipeline=row.pipeline,
        ref=row.ref,
        sha=row.sha,
        reason=row.reason,
        status=Status(row.status),
        build_number=row.build_number,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        message=row.message,
        engine_id=row.engine_id,
        tags=tuple(row.tags or ()),
        event=dict(row.event or {}),
        stages=stages,
    )


def stage_record(row: sa.Row[Any], jobs: tuple[JobRecord, ...] = ()) -> StageRecord:
    return StageRecord(
        row.id,
        row.run_id,
        row.name,
        row.display_name,
        row.position,
        Status(row.status),
        row.started_at,
        row.finished_at,
        row.message,
        jobs,
    )


def job_record(row: sa.Row[Any], stage: str, steps: tuple[StepRecord, ...] = ()) -> JobRecord:
    return JobRecord(
        row.id,
        row.run_id,
        stage,
        row.name,
        row.display_name,
        row.position,
        Status(row.status),
        row.started_at,
        row.finished_at,
        row.message,
        row.worker,
        steps,
    )


def step_record(row: sa.Row[Any]) -> StepRecord:
    return StepRecord(
        row.id,
        row.job_id,
        row.name,
        row.display_name,
        row.position,
        Status(row.status),
        row.started_at,
        row.finished_at,
        row.exit_code,
        row.message,
    )


def artifact_record(row: sa.Row[Any]) -> ArtifactRecord:
    return ArtifactRecord(
        row.id,
        row.run_id,
        row.job_id,
        row.name,
        row.kind,
        row.path,
        row.size_bytes,
        row.files,
        row.created_at,
    )


def decision_record(row: sa.Row[Any]) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        run_id=row.run_id,
        kind=row.kind,
        status=row.status,
        title=row.title,
        stage=row.stage,
        job=row.job,
        requested_at=row.requested_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        comment=row.comment,
        data=dict(row.data or {}),
    )


def event_record(row: sa.Row[Any]) -> RunEvent:
    return RunEvent(
        row.kind,
        row.run_id,
        row.at,
        row.status,
        row.stage,
        row.job,
        row.step,
        dict(row.data or {}),
        row.id,
    )


def queued_job(r: sa.Row[Any]) -> QueuedJob:
    return QueuedJob(
        r.job_id,
        r.run_id,
        r.engine_id,
        r.claimed_by,
        r.heartbeat_at,
        bool(r.cancel_requested),
        r.host,
        tuple(r.pgids or ()),
        r.token,
    )
