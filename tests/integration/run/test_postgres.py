"""The same store on a real PostgreSQL server: migrations, secrets at rest, claims, a run."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from shipyard.adapters.git import GitCli
from shipyard.executor.service import LocalService
from shipyard.flow.run.changes import Batch
from shipyard.flow.run.spec import JobDef, JobSpec, RunRequest, RunSpec, StageDef, StepDef, VarDef
from shipyard.store import SqlStore, StoreConfig, open_store
from shipyard.store.database import HEAD, current_revision
from tests.integration.run.conftest import wait_for

pytestmark = pytest.mark.integration

SECRET = "pg-secret-value-123"


@pytest.fixture
def pg_config(postgres_url: str, tmp_path: Path) -> StoreConfig:
    name = f"shipyard_{uuid.uuid4().hex[:12]}"
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    return StoreConfig(url, tmp_path / "artifacts", tmp_path / "key")


@pytest.fixture
def pg(pg_config: StoreConfig) -> Iterator[SqlStore]:
    store = open_store(pg_config)
    yield store
    store.close()


def _request() -> RunRequest:
    return RunRequest(
        "app",
        "f",
        "/r",
        {"kind": "manual"},
        "a" * 40,
        "refs/heads/main",
        "Manual",
        secrets={"token": SECRET},
    )


def _spec() -> RunSpec:
    job = JobDef("J", "J", (StepDef("s", "s", "script", "echo"),))
    return RunSpec(
        "app",
        "f",
        "/r",
        "refs/heads/main",
        "a" * 40,
        "Manual",
        "1",
        (VarDef("token", SECRET, secret=True),),
        (StageDef("S", "S", (job,)),),
    )


def test_migrations_build_the_same_tables(pg: SqlStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from shipyard.store.schema import metadata

    assert pg.dialect == "postgresql" and current_revision(pg.engine) == HEAD
    with pg.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_secrets_are_sealed_in_postgres(pg: SqlStore) -> None:
    run_id = pg.create_run(_request(), "e", 1.0)
    pg.save_plan(run_id, _spec())
    with pg.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT request::text, spec::text FROM runs")).all()
    assert rows and all(SECRET not in "".join(r) for r in rows)
    snap = pg.load_run(run_id)
    assert snap.spec is not None and snap.spec.variables[0].value == SECRET


def test_one_claim_wins_under_concurrency(pg: SqlStore) -> None:
    run_id = pg.create_run(_request(), "e", 1.0)
    snap = pg.save_plan(run_id, _spec())
    job_id = snap.stages["S"].jobs["J"].id
    batch = Batch(1.0, engine_id="e")
    batch.queue.append(
        JobSpec(
            run_id, job_id, "S", "J", "J", "app", "/r", "a" * 40, "refs/heads/main", False, {}, ()
        )
    )
    pg.commit(batch)
    won: list[object] = []
    lock = threading.Lock()

    def claim(n: int) -> None:
        got = pg.claim(f"w{n}", "e", "h", "t")
        if got is not None:
            with lock:
                won.append(got)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(won) == 1
    assert [pg.next_counter("c", 1) for _ in range(2)] == [1, 2]


def test_a_pipeline_runs_with_postgres_as_the_store(
    pg_config: StoreConfig,
    make_repo: Callable[[dict[str, str]], Path],
) -> None:
    repo = make_repo(
        {
            "azure-pipelines.yml": (
                "jobs:\n- job: A\n  steps:\n  - script: echo from-postgres\n"
                "- job: B\n  dependsOn: A\n  steps:\n  - script: echo second\n"
            )
        }
    )
    svc = LocalService.start(pg_config, workers=2)
    try:
        sha = GitCli(repo).resolve("main")
        assert sha is not None
        request = RunRequest(
            "root",
            "azure-pipelines.yml",
            str(repo),
            {"kind": "manual"},
            sha,
            "refs/heads/main",
            "Manual",
        )
        run_id = svc.engine.submit(request).result(60)
        assert run_id is not None
        wait_for(lambda: svc.engine.settled(run_id), what="the run on PostgreSQL")
        run = svc.store.get_run(run_id)
        assert run is not None and str(run.status) == "succeeded"
        assert "from-postgres" in [line.text for line in svc.store.logs(run_id)]
    finally:
        svc.stop()
