"""The read API: runs, their logs and tests, approvals, webhook deliveries.

JSON shapes are the CLI's ``--output json`` shapes (the same view functions build them), so a
script moves between ``shipyard runs show 12 -o json`` and ``GET /api/runs/12`` unchanged.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import Depends, FastAPI, HTTPException

from shipyard.domain.access import Permission
from shipyard.flow.run.views import run_json
from shipyard.server.auth import Guard
from shipyard.store.access import Principal
from shipyard.store.builds import BuildRecords
from shipyard.store.sql import SqlStore
from shipyard.store.webhooks import Deliveries


def add_routes(app: FastAPI, store: SqlStore, deliveries: Deliveries, guard: Guard) -> None:
    read = Depends(guard.need(Permission.READ))

    @app.get("/api/health", tags=["server"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/runs", tags=["runs"])
    def runs(
        limit: int = 50, pipeline: str | None = None, who: Principal = read
    ) -> list[dict[str, Any]]:
        """The newest runs first."""
        found = store.list_runs(limit=min(max(limit, 1), 500), pipeline=pipeline)
        return [
            {
                "id": r.id,
                "pipeline": r.pipeline,
                "ref": r.ref,
                "sha": r.sha,
                "status": str(r.status),
                "reason": r.reason,
                "build_number": r.build_number,
                "created_at": r.created_at,
                "finished_at": r.finished_at,
            }
            for r in found
        ]

    @app.get("/api/runs/{run_id}", tags=["runs"])
    def run(run_id: int, who: Principal = read) -> dict[str, Any]:
        found = store.get_run(run_id)
        if found is None:
            raise HTTPException(404, f"run {run_id} does not exist")
        data: dict[str, Any] = run_json(
            found, store.test_counts(run_id), store.issues(run_id), store.artifacts(run_id)
        )
        return data

    @app.get("/api/runs/{run_id}/logs", tags=["runs"])
    def logs(run_id: int, after: int = 0, who: Principal = read) -> list[dict[str, Any]]:
        """Log lines as stored (secrets already masked), after line id ``after``."""
        if store.get_run(run_id) is None:
            raise HTTPException(404, f"run {run_id} does not exist")
        return [asdict(line) for line in store.logs(run_id, after=after)]

    @app.get("/api/pipelines", tags=["runs"])
    def pipelines(who: Principal = read) -> list[dict[str, Any]]:
        """Each pipeline seen among the newest 500 runs, with its latest run."""
        latest: dict[str, Any] = {}
        for r in store.list_runs(limit=500):
            latest.setdefault(r.pipeline, r)
        return [
            {"pipeline": name, "latest_run": r.id, "status": str(r.status), "ref": r.ref}
            for name, r in sorted(latest.items())
        ]

    @app.get("/api/runs/{run_id}/tests", tags=["runs"])
    def tests(run_id: int, outcome: str | None = None, who: Principal = read) -> dict[str, Any]:
        """The run's test results, failures first, with their counts."""
        if store.get_run(run_id) is None:
            raise HTTPException(404, f"run {run_id} does not exist")
        order = {"failed": 0, "other": 1, "skipped": 2, "passed": 3}
        found = sorted(store.tests(run_id, outcome), key=lambda t: order.get(t.outcome, 1))
        return {"counts": store.test_counts(run_id), "tests": [asdict(t) for t in found]}

    @app.get("/api/runs/{run_id}/build-record", tags=["runs"])
    def build_record(run_id: int, who: Principal = read) -> dict[str, Any]:
        """What the run produced: images and charts with digests, SBOMs and scan findings."""
        run = store.get_run(run_id)
        if run is None:
            raise HTTPException(404, f"run {run_id} does not exist")
        by_kind: dict[str, list[dict[str, Any]]] = {"images": [], "charts": [], "scans": []}
        for rec in BuildRecords(store.engine).build_records(run_id):
            by_kind.setdefault(f"{rec.kind}s", []).append(rec.as_json())
        return {"commit": run.sha, "ref": run.ref, **by_kind}

    @app.get("/api/webhooks", tags=["webhooks"])
    def webhook_deliveries(limit: int = 100, who: Principal = read) -> list[dict[str, Any]]:
        """Recent deliveries with what became of each: runs, or why not."""
        return [d.as_json() for d in deliveries.recent(min(max(limit, 1), 1000))]
