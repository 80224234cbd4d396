"""Webhook deliveries in the SQL store: the durable queue between a 2xx and a run.

The server writes each verified delivery here before it answers, so a crash after the
answer loses nothing: the dispatcher takes ``queued`` rows in order, also after a restart.
The unique (provider, delivery id) key makes a replay a no-op that still gets its 2xx.
A claim is a conditional update, so two dispatchers never take the same delivery.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from shipyard.store import schema as t
from shipyard.store.database import reading, writing

QUEUED, TAKEN, DONE, REJECTED = "queued", "taken", "done", "rejected"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    provider: str
    delivery: str
    event: str
    body: bytes = field(repr=False)
    status: str
    message: str
    runs: tuple[int, ...]
    received_at: float
    finished_at: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "delivery": self.delivery,
            "event": self.event,
            "status": self.status,
            "message": self.message,
            "runs": list(self.runs),
            "received_at": self.received_at,
            "finished_at": self.finished_at,
        }


def _delivery(row: sa.Row[Any]) -> Delivery:
    return Delivery(
        row.id,
        row.provider,
        row.delivery,
        row.event,
        bytes(row.body),
        row.status,
        row.message,
        tuple(row.runs or ()),
        row.received_at,
        row.finished_at,
    )


class Deliveries:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def accept(self, provider: str, delivery: str, event: str, body: bytes) -> tuple[int, bool]:
        """Store a delivery; (its id, True) when new, (the first one's id, False) for a
        replay of one already stored."""
        w = t.webhook_deliveries
        with writing(self._engine) as conn:
            found = conn.execute(
                sa.select(w.c.id).where(w.c.provider == provider, w.c.delivery == delivery)
            ).scalar()
            if found is not None:
                return int(found), False
            new = conn.execute(
                sa.insert(w).values(
                    provider=provider,
                    delivery=delivery,
                    event=event,
                    body=body,
                    status=QUEUED,
                    message="",
                    runs=[],
                    received_at=time.time(),
                )
            ).inserted_primary_key
            assert new is not None
            return int(new[0]), True

    def claim(self) -> Delivery | None:
        """The oldest queued delivery, marked taken; None when the queue is empty."""
        w = t.webhook_deliveries
        with writing(self._engine) as conn:
            row = conn.execute(
                sa.select(w).where(w.c.status == QUEUED).order_by(w.c.id).limit(1)
            ).first()
            if row is None:
                return None
            done = conn.execute(
                sa.update(w).where(w.c.id == row.id, w.c.status == QUEUED).values(status=TAKEN)
            )
            return _delivery(row) if done.rowcount == 1 else None

    def requeue_taken(self) -> int:
        """At start: deliveries a dead dispatcher had taken go back to the queue."""
        w = t.webhook_deliveries
        with writing(self._engine) as conn:
            return int(
                conn.execute(sa.update(w).where(w.c.status == TAKEN).values(status=QUEUED)).rowcount
            )

    def finish(self, delivery_id: int, status: str, message: str, runs: list[int]) -> None:
        w = t.webhook_deliveries
        with writing(self._engine) as conn:
            conn.execute(
                sa.update(w)
                .where(w.c.id == delivery_id)
                .values(status=status, message=message[:4000], runs=runs, finished_at=time.time())
            )

    def get(self, delivery_id: int) -> Delivery | None:
        w = t.webhook_deliveries
        with reading(self._engine) as conn:
            row = conn.execute(sa.select(w).where(w.c.id == delivery_id)).first()
        return _delivery(row) if row is not None else None

    def recent(self, limit: int = 100) -> list[Delivery]:
        w = t.webhook_deliveries
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(w).order_by(w.c.id.desc()).limit(limit)).all()
        return [_delivery(r) for r in rows]
