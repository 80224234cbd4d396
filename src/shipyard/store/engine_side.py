"""The engine's side of the store (the ``RunStore`` port): runs, plans, state batches.

Only the engine loop calls these writers. :meth:`EngineSide.commit` is the single door for
status changes: the updates, queue entries, engine-authored log lines and the events that
announce them go into one transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from shipyard.flow.run.changes import Batch
from shipyard.flow.run.records import (
    EngineRecord,
    QueuedJob,
    Report,
    RunEvent,
    RunRecord,
)
from shipyard.flow.run.snapshot import JobState, RunSnapshot, StageState, StepState
from shipyard.flow.run.spec import RunRequest, RunSpec, VarValue
from shipyard.flow.run.status import FINAL, Status
from shipyard.store import codec
from shipyard.store import schema as t
from shipyard.store.base import StoreBase
from shipyard.store.database import reading, writing

_TABLES = {"run": t.runs, "stage": t.stages, "job": t.jobs, "step": t.steps}
_FINAL = [str(s) for s in FINAL]


class EngineSide(StoreBase):
    # -- engines ---------------------------------------------------------------------
    def register_engine(self, engine: EngineRecord) -> None:
        with writing(self._engine) as conn:
            conn.execute(sa.delete(t.engines).where(t.engines.c.id == engine.id))
            conn.execute(
                sa.insert(t.engines).values(
                    id=engine.id,
                    host=engine.host,
                    pid=engine.pid,
                    started_at=engine.started_at,
                    heartbeat_at=engine.heartbeat_at,
                )
            )

    def heartbeat_engine(self, engine_id: str, at: float) -> None:
        with writing(self._engine) as conn:
            conn.execute(
                sa.update(t.engines).where(t.engines.c.id == engine_id).values(heartbeat_at=at)
            )

    def stop_engine(self, engine_id: str, at: float) -> None:
        with writing(self._engine) as conn:
            conn.execute(
                sa.update(t.engines).where(t.engines.c.id == engine_id).values(stopped_at=at)
            )

    def engines(self) -> list[EngineRecord]:
        with reading(self._engine) as conn:
            return [codec.engine_record(r) for r in conn.execute(sa.select(t.engines))]

    # -- runs ------------------------------------------------------------------------
    def create_run(self, request: RunRequest, engine_id: str | None, at: float) -> int:
        with writing(self._engine) as conn:
            result = conn.execute(
                sa.insert(t.runs).values(
                    pipeline=request.pipeline,
                    file=request.file,
                    repo=request.repo,
                    ref=request.ref,
                    sha=request.sha,
                    reason=request.reason,
                    event=request.event,
                    request=self._seal(request.as_json()),
                    status=str(Status.queued),
                    engine_id=engine_id,
                    created_at=at,
                    tags=[],
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def save_plan(self, run_id: int, spec: RunSpec) -> RunSnapshot:
        with writing(self._engine) as conn:
            conn.execute(
                sa.update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(spec=self._seal(spec.as_json()), build_number=spec.build_number)
            )
            for s_pos, stage in enumerate(spec.stages):
                stage_id = _insert(
                    conn,
                    t.stages,
                    run_id=run_id,
                    name=stage.name,
                    display_name=stage.display_name,
                    position=s_pos,
                    status="queued",
                )
                for j_pos, job in enumerate(stage.jobs):
                    job_id = _insert(
                        conn,
                        t.jobs,
                        run_id=run_id,
                        stage_id=stage_id,
                        name=job.name,
                        display_name=job.display_name,
                        position=j_pos,
                        status="queued",
                        outputs={},
                    )
                    rows = [
                        dict(
                            run_id=run_id,
                            job_id=job_id,
                            name=step.name,
                            display_name=step.display_name,
                            position=pos,
                            status="queued",
                        )
                        for pos, step in enumerate(job.steps)
                    ]
                    if rows:
                        conn.execute(sa.insert(t.steps), rows)
        return self.load_run(run_id)

    def load_run(self, run_id: int) -> RunSnapshot:
        with reading(self._engine) as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id)).one()
            stage_rows = conn.execute(
                sa.select(t.stages).where(t.stages.c.run_id == run_id).order_by("position")
            ).all()
            job_rows = conn.execute(
                sa.select(t.jobs).where(t.jobs.c.run_id == run_id).order_by("position")
            ).all()
            step_rows = conn.execute(
                sa.select(t.steps).where(t.steps.c.run_id == run_id).order_by("position")
            ).all()
            queued = set(
                conn.execute(
                    sa.select(t.job_queue.c.job_id).where(t.job_queue.c.run_id == run_id)
                ).scalars()
            )
            cancel = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.commands)
                .where(t.commands.c.run_id == run_id, t.commands.c.kind == "cancel")
            ).scalar_one()
        spec = RunSpec.from_json(self._unseal(row.spec)) if row.spec else None
        snap = RunSnapshot(
            run=codec.run_record(row),
            spec=spec,
            status=Status(row.status),
            variables=_values(self._unseal(row.variables)),
            cancel_requested=bool(cancel),
            build_number=row.build_number,
            tags=list(row.tags or ()),
        )
        by_stage: dict[int, StageState] = {}
        for s in stage_rows:
            state = StageState(s.id, s.name, Status(s.status), _values(self._unseal(s.variables)))
            snap.stages[s.name] = by_stage[s.id] = state
        jobs: dict[int, JobState] = {}
        for j in job_rows:
            stage = by_stage[j.stage_id]
            job = JobState(
                j.id,
                stage.name,
                j.name,
                Status(j.status),
                _values(self._unseal(j.outputs)) or {},
                dispatched=j.id in queued,
                started_at=j.started_at,
            )
            stage.jobs[j.name] = jobs[j.id] = job
        for st in step_rows:
            jobs[st.job_id].steps.append(StepState(st.id, st.name, Status(st.status)))
        return snap

    def commit(self, batch: Batch) -> list[RunEvent]:
        events: list[RunEvent] = []
        with writing(self._engine) as conn:
            for update in batch.updates:
                table = _TABLES[update.table]
                values = {k: self._column(k, v) for k, v in update.values.items()}
                conn.execute(sa.update(table).where(table.c.id == update.id).values(**values))
            for spec in batch.queue:
                conn.execute(
                    sa.insert(t.job_queue).values(
                        job_id=spec.job_id,
                        run_id=spec.run_id,
                        engine_id=batch.engine_id,
                        spec=self._seal(spec.as_json()),
                        queued_at=batch.at,
                        pgids=[],
                    )
                )
            if batch.cancels:
                conn.execute(
                    sa.update(t.job_queue)
                    .where(t.job_queue.c.job_id.in_(batch.cancels))
                    .values(cancel_requested=True)
                )
            if batch.dequeue:
                conn.execute(sa.delete(t.job_queue).where(t.job_queue.c.job_id.in_(batch.dequeue)))
            if batch.reports_done:
                conn.execute(
                    sa.delete(t.job_reports).where(t.job_reports.c.id.in_(batch.reports_done))
                )
            if batch.applied_decisions:
                conn.execute(
                    sa.update(t.decisions)
                    .where(t.decisions.c.id.in_(batch.applied_decisions))
                    .values(applied=True)
                )
            for issue in batch.issues:
                conn.execute(
                    sa.insert(t.issues).values(
                        run_id=issue.run_id,
                        job_id=issue.job_id,
                        step_id=issue.step_id,
                        type=issue.type,
                        message=issue.message,
                    )
                )
            for run_id, job_id, step_id, text in batch.logs:
                conn.execute(
                    sa.insert(t.log_lines).values(
                        run_id=run_id, job_id=job_id, step_id=step_id, at=batch.at, text=text
                    )
                )
            for ev in batch.events:
                ev_id = _insert(
                    conn,
                    t.run_events,
                    run_id=ev.run_id,
                    kind=ev.kind,
                    status=ev.status,
                    stage=ev.stage,
                    job=ev.job,
                    step=ev.step,
                    data=ev.data,
                    at=ev.at,
                )
                events.append(_with_id(ev, ev_id))
        return events

    def _column(self, name: str, value: Any) -> Any:
        if name in ("outputs", "variables") and value is not None:
            return self._seal(
                {k: _var_json(v) if isinstance(v, VarValue) else v for k, v in value.items()}
            )
        if name == "status":
            return str(value)
        if name == "tags":
            return list(value)
        return value

    def unfinished_runs(self) -> list[RunRecord]:
        with reading(self._engine) as conn:
            rows = conn.execute(
                sa.select(t.runs).where(t.runs.c.status.not_in(_FINAL)).order_by(t.runs.c.id)
            )
            return [codec.run_record(r) for r in rows]

    def active_run(self, pipeline: str, ref: str) -> int | None:
        with reading(self._engine) as conn:
            return conn.execute(
                sa.select(t.runs.c.id)
                .where(
                    t.runs.c.pipeline == pipeline,
                    t.runs.c.ref == ref,
                    t.runs.c.status.not_in(_FINAL),
                )
                .order_by(t.runs.c.id)
                .limit(1)
            ).scalar()

    # -- inboxes ---------------------------------------------------------------------
    def pending_reports(self, run_ids: Collection[int]) -> list[Report]:
        if not run_ids:
            return []
        r = t.job_reports
        with reading(self._engine) as conn:
            rows = conn.execute(
                sa.select(r).where(r.c.run_id.in_(list(run_ids))).order_by(r.c.id).limit(5000)
            ).all()
        return [
            Report(x.kind, x.run_id, x.job_id, self._unseal(x.data), x.step_id, x.at, x.id)
            for x in rows
        ]

    def adopt_run(self, run_id: int, engine_id: str, previous: str | None) -> bool:
        owner = t.runs.c.engine_id
        with writing(self._engine) as conn:
            done = conn.execute(
                sa.update(t.runs)
                .where(
                    t.runs.c.id == run_id,
                    owner.is_(None) if previous is None else owner == previous,
                )
                .values(engine_id=engine_id)
            )
            return done.rowcount == 1

    def queued_jobs(self, run_id: int) -> list[QueuedJob]:
        q = t.job_queue
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(q).where(q.c.run_id == run_id)).all()
        return [codec.queued_job(r) for r in rows]


def _insert(conn: sa.Connection, table: sa.Table, **values: Any) -> int:
    return int(conn.execute(sa.insert(table).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def _with_id(ev: RunEvent, ev_id: int) -> RunEvent:
    return RunEvent(ev.kind, ev.run_id, ev.at, ev.status, ev.stage, ev.job, ev.step, ev.data, ev_id)


def _var_json(v: VarValue) -> dict[str, Any]:
    return {"value": v.value, "secret": v.secret, "readonly": v.readonly, "tainted": v.tainted}


def _values(data: Any) -> dict[str, VarValue] | None:
    if data is None:
        return None
    return {
        k: VarValue(
            str(v.get("value", "")),
            bool(v.get("secret")),
            bool(v.get("readonly")),
            bool(v.get("tainted")),
        )
        for k, v in data.items()
    }
