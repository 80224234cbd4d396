"""The README's release flow with the Kubernetes Jobs executor: every job of the delivery
demo (CI builds with buildah and podman, QA on the real node, the approval, promotion by
digest, production, the rollback) is a Kubernetes Job on the devtest cluster whose pod, on
the real node, runs the agent image built from this checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from shipyard.adapters.registry import OciRegistry
from shipyard.cli.demo_delivery import run_delivery_demo
from shipyard.platform import Platform
from shipyard.store import open_store
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
    before = max((r.id for r in open_store().list_runs(limit=1)), default=0)
    demo = run_delivery_demo(
        Path("examples/fabrikam").resolve(),
        tmp_path,
        say=Console(record=True, width=200),
        platform=platform,
    )
    assert demo.ok, demo.as_json()
    staged = registry.manifest_digest("staging/delivery", "v1.0.2")
    assert staged and registry.manifest_digest("prod/delivery", "v1.0.2") == staged

    store = open_store()
    runs = [store.get_run(r.id) for r in store.list_runs(limit=50) if r.id > before]
    jobs = [j for r in runs if r is not None for s in r.stages for j in s.jobs if j.worker]
    assert runs and jobs
    # Each job's worker is its pod: sy-<engine>-<job id>-<suffix>.
    assert not [j.worker for j in jobs if not j.worker.startswith("sy-")], jobs
