"""The README's release flow with the Temporal executor: every job of the delivery demo (CI
builds, QA on the real node, the approval, promotion by digest, production, the rollback)
is handed out by a real Temporal dev server and run by ``shipyard worker`` processes that
the service starts itself (``executor.local_workers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from shipyard.adapters.registry import OciRegistry
from shipyard.cli.demo_delivery import run_delivery_demo
from shipyard.platform import Platform
from shipyard.store import open_store
from tests.integration.distributed.conftest import DevServer, temporal_binary

__all__ = ["temporal_binary"]

pytestmark = [pytest.mark.e2e, pytest.mark.platform, pytest.mark.integration]


def test_the_release_flow_runs_every_job_on_temporal_workers(
    platform: Platform,
    registry: OciRegistry,
    session_env: dict[str, str],
    temporal_binary: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("SHIPYARD_DATABASE_URL", "SHIPYARD_ARTIFACTS_DIR", "SHIPYARD_WORK_DIR"):
        monkeypatch.setenv(key, session_env[key])
    root = tmp_path / "temporal"
    root.mkdir()
    server = DevServer(temporal_binary, root)
    server.start()
    monkeypatch.setenv("SHIPYARD_EXECUTOR_KIND", "temporal")
    monkeypatch.setenv("SHIPYARD_EXECUTOR_TEMPORAL_ADDRESS", server.address)
    before = max((r.id for r in open_store().list_runs(limit=1)), default=0)
    try:
        demo = run_delivery_demo(
            Path("examples/fabrikam").resolve(),
            tmp_path,
            say=Console(record=True, width=200),
            platform=platform,
        )
    finally:
        server.kill()
    assert demo.ok, demo.as_json()
    staged = registry.manifest_digest("staging/delivery", "v1.0.2")
    assert staged and registry.manifest_digest("prod/delivery", "v1.0.2") == staged

    store = open_store()
    runs = [store.get_run(r.id) for r in store.list_runs(limit=50) if r.id > before]
    jobs = [j for r in runs if r is not None for s in r.stages for j in s.jobs if j.worker]
    assert runs and jobs
    # Local workers are named local-PID-N; the service's Temporal workers after its engine.
    assert not [j.worker for j in jobs if j.worker.startswith("local-")], jobs
