"""Inputs and bookkeeping of the engine's side of the store: commands from other
processes, decision records, pending batched pushes and counters.

Each is a small conditional write, safe when two engines share one database: a command
is taken by one engine only, a decision is created once per question, a counter never
hands out the same number twice.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from shipyard.domain.events import PendingChanges, Push
from shipyard.flow.run.records import DecisionRecord
from shipyard.flow.run.spec import RunRequest
from shipyard.store import codec
from shipyard.store import schema as t
from shipyard.store.base import StoreBase
from shipyard.store.database import reading, writing


def _insert(conn: sa.Connection, table: sa.Table, **values: object) -> int:
    return int(conn.execute(sa.insert(table).values(**values)).inserted_primary_key[0])  # type: ignore[index]


class InboxSide(StoreBase):
    def next_counter(self, key: str, seed: int) -> int:
        with writing(self._engine) as conn:
            current = conn.execute(
                sa.select(t.counters.c.value).where(t.counters.c.key == key)
            ).scalar()
            if current is None:
                conn.execute(sa.insert(t.counters).values(key=key, value=seed))
                return seed
            conn.execute(
                sa.update(t.counters).where(t.counters.c.key == key).values(value=current + 1)
            )
            return int(current) + 1

    def take_commands(self, engine_id: str) -> list[tuple[str, int | None, dict[str, object]]]:
        """Read first (the loop asks often and there is rarely anything), then take each
        command with a conditional update, so that of two engines only one gets it."""
        c = t.commands
        owned = sa.select(t.runs.c.id).where(t.runs.c.engine_id == engine_id)
        wanted = c.c.taken_by.is_(None), sa.or_(c.c.run_id.is_(None), c.c.run_id.in_(owned))
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(c).where(*wanted).order_by(c.c.id)).all()
        taken = []
        if rows:
            with writing(self._engine) as conn:
                for row in rows:
                    done = conn.execute(
                        sa.update(c)
                        .where(c.c.id == row.id, c.c.taken_by.is_(None))
                        .values(taken_by=engine_id)
                    )
                    if done.rowcount == 1:
                        taken.append(row)
        return [(r.kind, r.run_id, self._unseal(r.data)) for r in taken]

    # -- decisions -------------------------------------------------------------------
    def create_decision(
        self, run_id: int, stage: str, job: str, kind: str, title: str, data: dict[str, object]
    ) -> DecisionRecord:
        d = t.decisions
        where = (d.c.run_id == run_id, d.c.stage == stage, d.c.job == job, d.c.kind == kind)
        with writing(self._engine) as conn:
            row = conn.execute(
                sa.select(d).where(*where, d.c.applied.is_(False)).order_by(d.c.id.desc())
            ).first()
            if row is None:
                new_id = _insert(
                    conn,
                    d,
                    run_id=run_id,
                    stage=stage,
                    job=job,
                    kind=kind,
                    title=title,
                    status="pending",
                    data=data,
                    requested_at=time.time(),
                )
                row = conn.execute(sa.select(d).where(d.c.id == new_id)).one()
        return codec.decision_record(row)

    def decisions(
        self, run_id: int | None = None, status: str | None = None
    ) -> list[DecisionRecord]:
        d = t.decisions
        query = sa.select(d).order_by(d.c.id)
        if run_id is not None:
            query = query.where(d.c.run_id == run_id)
        if status == "unapplied":
            query = query.where(d.c.applied.is_(False), d.c.status != "pending")
        elif status is not None:
            query = query.where(d.c.status == status)
        with reading(self._engine) as conn:
            return [codec.decision_record(r) for r in conn.execute(query)]

    def expire_decision(self, decision_id: int) -> bool:
        d = t.decisions
        with writing(self._engine) as conn:
            result = conn.execute(
                sa.update(d)
                .where(d.c.id == decision_id, d.c.status == "pending")
                .values(status="expired", resolved_at=time.time(), resolved_by="timeout")
            )
        return bool(result.rowcount)

    # -- batching --------------------------------------------------------------------
    def save_pending(self, pending: PendingChanges, request: RunRequest) -> None:
        p = t.pending_changes
        pushes = [{"ref": x.ref, "before": x.before, "after": x.after} for x in pending.pushes]
        with writing(self._engine) as conn:
            conn.execute(
                sa.delete(p).where(p.c.pipeline == pending.pipeline, p.c.branch == pending.branch)
            )
            conn.execute(
                sa.insert(p).values(
                    pipeline=pending.pipeline,
                    branch=pending.branch,
                    pushes=pushes,
                    request=self._seal(request.as_json()),
                )
            )

    def take_pending(self, pipeline: str, branch: str) -> tuple[PendingChanges, RunRequest] | None:
        p = t.pending_changes
        with writing(self._engine) as conn:
            row = conn.execute(
                sa.select(p).where(p.c.pipeline == pipeline, p.c.branch == branch)
            ).first()
            if row is None:
                return None
            conn.execute(sa.delete(p).where(p.c.id == row.id))
        pushes = tuple(Push(x["ref"], x["before"], x["after"]) for x in row.pushes)
        pending = PendingChanges(pipeline, branch, pushes)
        return pending, RunRequest.from_json(self._unseal(row.request))
