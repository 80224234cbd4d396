"""Read-only views of runs for the CLI (the ``RunQueries`` port), and the two inputs that
come from outside a run: resolving a decision and asking for a cancel.

Neither input changes run state directly. A decision row moves from ``pending`` to
``approved``/``rejected`` (only once: the update is conditional), and a cancel is a
command; the engine that owns the run acts on both and records what follows.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from shipyard.domain.diagnostics import InvalidInput, ShipyardError
from shipyard.flow.run.records import (
    DecisionRecord,
    IssueRecord,
    JobRecord,
    LogLine,
    RunEvent,
    RunRecord,
    TestCase,
)
from shipyard.store import codec
from shipyard.store import schema as t
from shipyard.store.base import StoreBase
from shipyard.store.database import reading, writing


class NotFound(ShipyardError):
    """A run, job or decision that does not exist."""


class QuerySide(StoreBase):
    def list_runs(self, limit: int = 20, pipeline: str | None = None) -> list[RunRecord]:
        query = sa.select(t.runs).order_by(t.runs.c.id.desc()).limit(limit)
        if pipeline:
            query = query.where(t.runs.c.pipeline == pipeline)
        with reading(self._engine) as conn:
            return [codec.run_record(r) for r in conn.execute(query)]

    def get_run(self, run_id: int) -> RunRecord | None:
        with reading(self._engine) as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id)).first()
            if row is None:
                return None
            stage_rows = conn.execute(
                sa.select(t.stages).where(t.stages.c.run_id == run_id).order_by("position")
            ).all()
            job_rows = conn.execute(
                sa.select(t.jobs).where(t.jobs.c.run_id == run_id).order_by("position")
            ).all()
            step_rows = conn.execute(
                sa.select(t.steps).where(t.steps.c.run_id == run_id).order_by("position")
            ).all()
        names = {s.id: s.name for s in stage_rows}
        steps_of: dict[int, list[sa.Row[object]]] = {}
        for st in step_rows:
            steps_of.setdefault(st.job_id, []).append(st)
        jobs_of: dict[int, list[JobRecord]] = {}
        for j in job_rows:
            steps = tuple(codec.step_record(s) for s in steps_of.get(j.id, []))
            jobs_of.setdefault(j.stage_id, []).append(codec.job_record(j, names[j.stage_id], steps))
        stages = tuple(codec.stage_record(s, tuple(jobs_of.get(s.id, []))) for s in stage_rows)
        return codec.run_record(row, stages)

    def get_job(self, job_id: int) -> JobRecord | None:
        with reading(self._engine) as conn:
            row = conn.execute(sa.select(t.jobs).where(t.jobs.c.id == job_id)).first()
            if row is None:
                return None
            stage = conn.execute(
                sa.select(t.stages.c.name).where(t.stages.c.id == row.stage_id)
            ).scalar_one()
            steps = conn.execute(
                sa.select(t.steps).where(t.steps.c.job_id == job_id).order_by("position")
            ).all()
        return codec.job_record(row, stage, tuple(codec.step_record(s) for s in steps))

    def logs(
        self,
        run_id: int,
        *,
        job_id: int | None = None,
        step_id: int | None = None,
        after: int = 0,
        limit: int = 10_000,
    ) -> list[LogLine]:
        lines = t.log_lines
        query = sa.select(lines).where(lines.c.run_id == run_id, lines.c.id > after)
        if job_id is not None:
            query = query.where(lines.c.job_id == job_id)
        if step_id is not None:
            query = query.where(lines.c.step_id == step_id)
        with reading(self._engine) as conn:
            rows = conn.execute(query.order_by(lines.c.id).limit(limit))
            return [LogLine(r.id, r.run_id, r.job_id, r.step_id, r.at, r.text) for r in rows]

    def tests(self, run_id: int, outcome: str | None = None) -> list[TestCase]:
        tr = t.test_results
        query = sa.select(tr).where(tr.c.run_id == run_id).order_by(tr.c.id)
        if outcome:
            query = query.where(tr.c.outcome == outcome)
        with reading(self._engine) as conn:
            return [
                TestCase(r.name, r.class_name, r.outcome, r.duration_ms, r.message, r.stack, r.file)
                for r in conn.execute(query)
            ]

    def test_counts(self, run_id: int) -> dict[str, int]:
        tr = t.test_results
        with reading(self._engine) as conn:
            rows = conn.execute(
                sa.select(tr.c.outcome, sa.func.count())
                .where(tr.c.run_id == run_id)
                .group_by(tr.c.outcome)
            ).all()
        return {str(outcome): int(count) for outcome, count in rows}

    def issues(self, run_id: int) -> list[IssueRecord]:
        i = t.issues
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(i).where(i.c.run_id == run_id).order_by(i.c.id))
            return [IssueRecord(r.run_id, r.job_id, r.step_id, r.type, r.message) for r in rows]

    def events_after(self, run_id: int | None, after: int, limit: int = 1000) -> list[RunEvent]:
        e = t.run_events
        query = sa.select(e).where(e.c.id > after).order_by(e.c.id).limit(limit)
        if run_id is not None:
            query = query.where(e.c.run_id == run_id)
        with reading(self._engine) as conn:
            return [codec.event_record(r) for r in conn.execute(query)]

    def resolve_decision(
        self, decision_id: int, approved: bool, by: str, comment: str = ""
    ) -> DecisionRecord:
        d = t.decisions
        with writing(self._engine) as conn:
            row = conn.execute(sa.select(d).where(d.c.id == decision_id)).first()
            if row is None:
                raise NotFound(f"decision {decision_id} does not exist")
            if row.status != "pending":
                raise InvalidInput([], f"decision {decision_id} is already {row.status}")
            conn.execute(
                sa.update(d)
                .where(d.c.id == decision_id, d.c.status == "pending")
                .values(
                    status="approved" if approved else "rejected",
                    resolved_at=time.time(),
                    resolved_by=by,
                    comment=comment,
                )
            )
            row = conn.execute(sa.select(d).where(d.c.id == decision_id)).one()
        return codec.decision_record(row)

    def request_cancel(self, run_id: int) -> None:
        with writing(self._engine) as conn:
            exists = conn.execute(sa.select(t.runs.c.id).where(t.runs.c.id == run_id)).scalar()
            if exists is None:
                raise NotFound(f"run {run_id} does not exist")
            conn.execute(
                sa.insert(t.commands).values(
                    kind="cancel", run_id=run_id, data={}, created_at=time.time()
                )
            )

    def submit_request(self, data: dict[str, object]) -> None:
        """A run request for whichever engine takes it first (a webhook receiver, later)."""
        with writing(self._engine) as conn:
            conn.execute(
                sa.insert(t.commands).values(
                    kind="submit", run_id=None, data=self._seal(data), created_at=time.time()
                )
            )
