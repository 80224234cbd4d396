"""Workers elsewhere share a PostgreSQL store: the claim by id and the take-over run there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.executor.service import LocalService
from shipyard.platform.settings import ExecutorSettings
from shipyard.store import StoreConfig
from tests.integration.distributed.conftest import DevServer, StartWorker, settle
from tests.integration.distributed.test_temporal import LONG, REGISTRY, _jobs, _log, _submit
from tests.integration.run.conftest import postgres_url, processes_matching, wait_for
from tests.integration.run.test_postgres import pg_config

__all__ = ["pg_config", "postgres_url"]

pytestmark = pytest.mark.integration


def test_two_workers_on_a_postgres_store_and_one_lost(
    make_repo: Callable[[dict[str, str]], Path],
    start_worker: StartWorker,
    temporal: DevServer,
    pg_config: StoreConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in pg_config.child_env().items():
        monkeypatch.setenv(key, value)  # the workers' store
    pipeline = LONG.format(seconds="5.75") + "- script: echo done\n"
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": pipeline})
    first = start_worker("pg-first")
    settings = ExecutorSettings(
        kind="temporal", temporal_address=temporal.address, heartbeat_seconds=2, local_workers=0
    )
    svc = LocalService.start(pg_config, executor_settings=settings)
    try:
        run_id = _submit(svc, repo)
        wait_for(lambda: processes_matching("sleep 5.75"), timeout=60, what="the step")
        start_worker("pg-second")
        first.kill9()
        settle(svc, run_id)
        status, worker, _ = _jobs(svc, run_id)["Job"]
        assert (status, worker) == ("succeeded", "pg-second"), _log(svc, run_id)
        assert "was lost" in _log(svc, run_id)
    finally:
        svc.stop()
