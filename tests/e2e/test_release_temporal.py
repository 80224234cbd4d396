"""The README's release flow with the Temporal executor: every job of the delivery demo (CI
builds, QA on the real node, the approval, promotion by digest, production, the rollback)
is handed out by a real Temporal dev server and run by ``shipyard worker`` processes that
the service starts itself (``executor.local_workers``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.adapters.registry import OciRegistry
from shipyard.platform import Platform
from tests.e2e.conftest import demo_workers
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
    try:
        workers = demo_workers(platform, registry, tmp_path)
    finally:
        server.kill()
    # Local workers are named local-PID-N; the service's Temporal workers after its engine.
    assert not [w for w in workers if w.startswith("local-")], workers
