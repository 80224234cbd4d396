"""Build records in the SQL store: the images, charts and scans each run produced.

Evidence, like test results: appended by the worker whose step produced it (through the
:class:`~shipyard.ports.BuildRecorder` port), never changed afterwards, read by
``shipyard runs show``. Kept apart from :class:`~shipyard.store.sql.SqlStore` so that the
run engine's store stays exactly what it was; it shares the store's database engine.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from shipyard.flow.builds import BuildRecord
from shipyard.store import schema as t
from shipyard.store.database import reading, writing


class BuildRecords:
    """The :class:`~shipyard.ports.BuildRecorder` port over the store's database."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def add_build_record(self, record: BuildRecord) -> None:
        with writing(self._engine) as conn:
            conn.execute(
                sa.insert(t.build_records).values(
                    run_id=record.run_id,
                    job_id=record.job_id or None,
                    kind=record.kind,
                    name=record.name,
                    reference=record.reference,
                    digest=record.digest,
                    data=record.data,
                    created_at=record.created_at or time.time(),
                )
            )

    def build_records(self, run_id: int) -> list[BuildRecord]:
        b = t.build_records
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(b).where(b.c.run_id == run_id).order_by(b.c.id)).all()
        return [
            BuildRecord(
                run_id=row.run_id,
                job_id=row.job_id or 0,
                kind=row.kind,
                name=row.name,
                reference=row.reference,
                digest=row.digest,
                data=dict(row.data or {}),
                id=row.id,
                created_at=row.created_at,
            )
            for row in rows
        ]
