"""Delivery's records in the SQL store: approval votes, the deployment ledger, locks.

Kept apart from the run engine's store (like build records): the deploy task reaches it
through the :class:`~shipyard.deliver.ports.DeploymentLedger` port, the CLI reads and
votes through :class:`Deployments` directly. Every change is one write transaction, so
two deploys racing for an environment's lock cannot both win, and two votes from one
person cannot both count (a unique key on the decision and the voter).
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from shipyard.deliver.approvals import APPROVAL, Vote
from shipyard.deliver.model import DeploymentRecord
from shipyard.flow.run.status import FINAL
from shipyard.store import schema as t
from shipyard.store.database import reading, writing

_FINAL = [str(s) for s in FINAL]


class Deployments:
    """The :class:`~shipyard.deliver.ports.DeploymentLedger` port, and the votes."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    # -- locks -----------------------------------------------------------------------
    def try_lock(self, environment: str, run_id: int, holder: str) -> int | None:
        lk, runs = t.environment_locks, t.runs
        with writing(self._engine) as conn:
            row = conn.execute(sa.select(lk).where(lk.c.environment == environment)).first()
            if row is not None and row.run_id != run_id:
                status = conn.execute(
                    sa.select(runs.c.status).where(runs.c.id == row.run_id)
                ).scalar()
                if status is not None and status not in _FINAL:
                    return int(row.run_id)
                conn.execute(sa.delete(lk).where(lk.c.environment == environment))
                row = None
            if row is None:
                conn.execute(
                    sa.insert(lk).values(
                        environment=environment,
                        run_id=run_id,
                        holder=holder,
                        acquired_at=time.time(),
                    )
                )
        return None

    def unlock(self, environment: str, run_id: int) -> None:
        lk = t.environment_locks
        with writing(self._engine) as conn:
            conn.execute(
                sa.delete(lk).where(lk.c.environment == environment, lk.c.run_id == run_id)
            )

    def locks(self) -> dict[str, int]:
        lk = t.environment_locks
        with reading(self._engine) as conn:
            return {r.environment: int(r.run_id) for r in conn.execute(sa.select(lk))}

    # -- the ledger ------------------------------------------------------------------
    def start(self, record: DeploymentRecord) -> int:
        values = record.as_json()
        values.pop("id")
        values["outcome"] = record.outcome or "running"
        with writing(self._engine) as conn:
            result = conn.execute(sa.insert(t.deployments).values(**values))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish(self, deployment_id: int, outcome: str, revision: int, message: str) -> None:
        d = t.deployments
        with writing(self._engine) as conn:
            conn.execute(
                sa.update(d)
                .where(d.c.id == deployment_id)
                .values(
                    outcome=outcome,
                    revision=revision,
                    message=message[:4000],
                    finished_at=time.time(),
                )
            )

    def deployments(
        self,
        service: str | None = None,
        environment: str | None = None,
        version: str | None = None,
    ) -> list[DeploymentRecord]:
        d = t.deployments
        query = sa.select(d).order_by(d.c.id)
        if service is not None:
            query = query.where(d.c.service == service)
        if environment is not None:
            query = query.where(d.c.environment == environment)
        if version is not None:
            query = query.where(d.c.version == version)
        with reading(self._engine) as conn:
            return [_record(r) for r in conn.execute(query)]

    def run_request(self, run_id: int) -> dict[str, Any]:
        """The request a run was made from (who asked for it, its parameters)."""
        with reading(self._engine) as conn:
            data = conn.execute(sa.select(t.runs.c.request).where(t.runs.c.id == run_id)).scalar()
        return dict(data or {})

    # -- approvals -------------------------------------------------------------------
    def approval(self, run_id: int, environment: str) -> tuple[str, dict[str, object], str]:
        for row in reversed(self.approval_decisions(run_id)):
            data = dict(row.data or {})
            if data.get("environment") == environment:
                return str(row.status), data, str(row.resolved_by)
        return "", {}, ""

    def approval_decisions(self, run_id: int | None = None) -> list[Any]:
        dec = t.decisions
        query = sa.select(dec).where(dec.c.kind == APPROVAL).order_by(dec.c.id)
        if run_id is not None:
            query = query.where(dec.c.run_id == run_id)
        with reading(self._engine) as conn:
            return list(conn.execute(query).all())

    def votes(self, decision_id: int) -> list[Vote]:
        v = t.approval_votes
        with reading(self._engine) as conn:
            rows = conn.execute(
                sa.select(v).where(v.c.decision_id == decision_id).order_by(v.c.id)
            ).all()
        return [Vote(r.voter, bool(r.approve), r.comment, r.at) for r in rows]

    def add_vote(self, decision_id: int, vote: Vote) -> bool:
        """Record a vote; False when this voter already voted on the decision."""
        v = t.approval_votes
        with writing(self._engine) as conn:
            seen = conn.execute(
                sa.select(v.c.id).where(v.c.decision_id == decision_id, v.c.voter == vote.voter)
            ).first()
            if seen is not None:
                return False
            conn.execute(
                sa.insert(v).values(
                    decision_id=decision_id,
                    voter=vote.voter,
                    approve=vote.approve,
                    comment=vote.comment,
                    at=vote.at or time.time(),
                )
            )
        return True


def _record(row: sa.Row[Any]) -> DeploymentRecord:
    return DeploymentRecord(
        service=row.service,
        version=row.version,
        environment=row.environment,
        release=row.release,
        kind=row.kind,
        outcome=row.outcome,
        started_at=row.started_at,
        run_id=row.run_id,
        build_run_id=row.build_run_id,
        commit=row.commit,
        image=row.image,
        image_digest=row.image_digest,
        chart=row.chart,
        chart_digest=row.chart_digest,
        revision=row.revision,
        change_cause=row.change_cause,
        approvers=tuple(row.approvers or ()),
        message=row.message,
        finished_at=row.finished_at,
        id=row.id,
    )
