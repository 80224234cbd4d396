"""The executor's side of the store (the ``JobQueue`` port): claiming jobs, reporting.

A claim is one conditional ``UPDATE``: of several workers racing for a job exactly one
sees its row change (on PostgreSQL the candidate is picked with ``FOR UPDATE SKIP LOCKED``,
so racing workers pick different jobs instead of queueing behind one). Log lines, test
results and artifact records are evidence and are appended here directly; anything that
changes a status is a :class:`~shipyard.flow.run.records.Report` for the engine.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import sqlalchemy as sa

from shipyard.domain.diagnostics import ShipyardError
from shipyard.flow.run.records import ArtifactRecord, QueuedJob, Report, TestCase
from shipyard.flow.run.spec import JobSpec
from shipyard.store import codec
from shipyard.store import schema as t
from shipyard.store.base import StoreBase
from shipyard.store.database import reading, writing


class WorkerSide(StoreBase):
    def claim(self, worker: str, engine_id: str | None, host: str, token: str) -> JobSpec | None:
        q = t.job_queue
        with writing(self._engine) as conn:
            pick = sa.select(q.c.job_id).where(
                q.c.claimed_by.is_(None), q.c.cancel_requested.is_(False)
            )
            if engine_id is not None:
                pick = pick.where(q.c.engine_id == engine_id)
            pick = pick.order_by(q.c.queued_at, q.c.job_id).limit(1)
            if self.dialect == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            job_id = conn.execute(pick).scalar()
            if job_id is None:
                return None
            now = time.time()
            taken = conn.execute(
                sa.update(q)
                .where(q.c.job_id == job_id, q.c.claimed_by.is_(None))
                .values(claimed_by=worker, claimed_at=now, heartbeat_at=now, host=host, token=token)
            )
            if taken.rowcount != 1:
                return None
            spec = conn.execute(sa.select(q.c.spec).where(q.c.job_id == job_id)).scalar_one()
        return JobSpec.from_json(self._unseal(spec))

    def claim_job(
        self, job_id: int, worker: str, host: str, token: str, *, retake: bool = False
    ) -> tuple[JobSpec, QueuedJob] | None:
        """Claim one named job (a distributed executor was handed its id).

        ``retake`` lets a retry take over a job whose previous worker was lost; the previous
        claim is returned so that its processes can be reaped. None when the job is gone
        (finished), canceled, or claimed by another worker and ``retake`` is false.
        """
        q = t.job_queue
        with writing(self._engine) as conn:
            pick = sa.select(q).where(q.c.job_id == job_id, q.c.cancel_requested.is_(False))
            if self.dialect == "postgresql":
                pick = pick.with_for_update()
            row = conn.execute(pick).first()
            if row is None or (row.claimed_by is not None and not retake):
                return None
            now = time.time()
            conn.execute(
                sa.update(q)
                .where(q.c.job_id == job_id)
                .values(
                    claimed_by=worker,
                    claimed_at=now,
                    heartbeat_at=now,
                    host=host,
                    token=token,
                    pgids=[],
                )
            )
        return JobSpec.from_json(self._unseal(row.spec)), codec.queued_job(row)

    def heartbeat(self, job_id: int, worker: str, at: float) -> bool:
        q = t.job_queue
        with writing(self._engine) as conn:
            done = conn.execute(
                sa.update(q)
                .where(q.c.job_id == job_id, q.c.claimed_by == worker)
                .values(heartbeat_at=at)
            )
            return done.rowcount == 1

    def cancel_requested(self, job_id: int) -> bool:
        q = t.job_queue
        with reading(self._engine) as conn:
            flag = conn.execute(
                sa.select(q.c.cancel_requested).where(q.c.job_id == job_id)
            ).scalar()
        return flag is None or bool(flag)

    def record_process(self, job_id: int, pgid: int) -> None:
        q = t.job_queue
        with writing(self._engine) as conn:
            pgids = conn.execute(sa.select(q.c.pgids).where(q.c.job_id == job_id)).scalar()
            if pgids is not None and pgid not in pgids:
                conn.execute(sa.update(q).where(q.c.job_id == job_id).values(pgids=[*pgids, pgid]))

    def report(self, report: Report) -> None:
        with writing(self._engine) as conn:
            conn.execute(sa.insert(t.job_reports).values(**self._report_row(report)))

    def append_logs(
        self,
        run_id: int,
        job_id: int,
        step_id: int | None,
        lines: Sequence[tuple[float, str]],
        reports: Sequence[Report] = (),
    ) -> int:
        rows = [
            {"run_id": run_id, "job_id": job_id, "step_id": step_id, "at": at, "text": text}
            for at, text in lines
        ]
        last = 0
        with writing(self._engine) as conn:
            if rows:
                conn.execute(sa.insert(t.log_lines), rows)
                last = int(
                    conn.execute(
                        sa.select(sa.func.max(t.log_lines.c.id)).where(
                            t.log_lines.c.run_id == run_id
                        )
                    ).scalar()
                    or 0
                )
                log = Report("log", run_id, job_id, {"upto": last, "lines": len(rows)}, step_id)
                reports = [*reports, log]
            for report in reports:  # announced by the engine to live subscribers
                conn.execute(sa.insert(t.job_reports).values(**self._report_row(report)))
        return last

    def _report_row(self, report: Report) -> dict[str, object]:
        return {
            "run_id": report.run_id,
            "job_id": report.job_id,
            "step_id": report.step_id,
            "kind": report.kind,
            "data": self._seal(report.data),
            "at": report.at or time.time(),
        }

    def add_test_results(
        self, run_id: int, job_id: int, step_id: int, title: str, cases: Sequence[TestCase]
    ) -> None:
        if not cases:
            return
        rows = [
            {
                "run_id": run_id,
                "job_id": job_id,
                "step_id": step_id,
                "title": title,
                "file": c.file,
                "name": c.name,
                "class_name": c.class_name,
                "outcome": c.outcome,
                "duration_ms": c.duration_ms,
                "message": c.message,
                "stack": c.stack,
            }
            for c in cases
        ]
        with writing(self._engine) as conn:
            conn.execute(sa.insert(t.test_results), rows)

    def add_artifact(
        self,
        run_id: int,
        job_id: int,
        name: str,
        kind: str,
        path: str,
        size_bytes: int,
        files: int,
    ) -> ArtifactRecord:
        try:
            with writing(self._engine) as conn:
                new_id = conn.execute(
                    sa.insert(t.artifacts).values(
                        run_id=run_id,
                        job_id=job_id,
                        name=name,
                        kind=kind,
                        path=path,
                        size_bytes=size_bytes,
                        files=files,
                        created_at=time.time(),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                row = conn.execute(sa.select(t.artifacts).where(t.artifacts.c.id == new_id)).one()
        except sa.exc.IntegrityError:
            raise ShipyardError(
                f"an artifact named '{name}' was already published in this run",
                hint="artifact names are unique per run; choose another name",
            ) from None
        return codec.artifact_record(row)

    def artifacts(self, run_id: int) -> list[ArtifactRecord]:
        a = t.artifacts
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(a).where(a.c.run_id == run_id).order_by(a.c.id))
            return [codec.artifact_record(r) for r in rows]
