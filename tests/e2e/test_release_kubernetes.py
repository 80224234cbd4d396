"""The README's release flow with the Kubernetes Jobs executor: every job of the delivery
demo (CI builds with buildah and podman, QA on the real node, the approval, promotion by
digest, production, the rollback) is a Kubernetes Job on the devtest cluster whose pod, on
the real node, runs the agent image built from this checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.adapters.registry import OciRegistry
from shipyard.platform import Platform
from tests.e2e.conftest import demo_workers
from tests.integration.distributed.test_kubernetes import ensure_agent_base

pytestmark = [pytest.mark.e2e, pytest.mark.platform, pytest.mark.integration]


def test_the_release_flow_runs_every_job_as_a_kubernetes_job_on_the_real_node(
    platform: Platform,
    registry: OciRegistry,
    session_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("SHIPYARD_DATABASE_URL", "SHIPYARD_ARTIFACTS_DIR", "SHIPYARD_WORK_DIR"):
        monkeypatch.setenv(key, session_env[key])
    ensure_agent_base(platform)
    monkeypatch.setenv("SHIPYARD_EXECUTOR_KIND", "kubernetes")
    workers = demo_workers(platform, registry, tmp_path)
    # Each job's worker is its pod: sy-<engine>-<job id>-<suffix>.
    assert not [w for w in workers if not w.startswith("sy-")], workers
