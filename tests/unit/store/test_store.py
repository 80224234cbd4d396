"""The SQL store on SQLite: schema, secrets at rest, the queue, batches, inputs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from shipyard.domain.diagnostics import InvalidInput, ShipyardError
from shipyard.domain.events import PendingChanges, Push
from shipyard.flow.run.changes import Batch
from shipyard.flow.run.records import Report, TestCase
from shipyard.flow.run.spec import JobSpec, RunRequest, RunSpec, VarDef, VarValue
from shipyard.store import SqlStore
from shipyard.store.database import HEAD, current_revision
from shipyard.store.schema import metadata
from tests.unit.run.harness import store_at

SECRET = "correct-horse-battery-staple"


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return store_at(tmp_path)


def _request(**extra: object) -> RunRequest:
    fields: dict[str, object] = {
        "pipeline": "app",
        "file": "azure-pipelines.yml",
        "repo": "/repo",
        "event": {"kind": "manual"},
        "sha": "a" * 40,
        "ref": "refs/heads/main",
        "reason": "Manual",
    }
    fields.update(extra)
    return RunRequest(**fields)  # type: ignore[arg-type]


def _job_spec(run_id: int, job_id: int, secret: str = "") -> JobSpec:
    variables = {"token": VarValue(secret, secret=True)} if secret else {}
    return JobSpec(
        run_id,
        job_id,
        "S",
        "J",
        "J",
        "app",
        "/repo",
        "a" * 40,
        "refs/heads/main",
        False,
        variables,
        (),
    )


def test_the_schema_is_at_the_newest_migration_and_matches_the_tables(store: SqlStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from shipyard.store.database import _MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD
    assert current_revision(store.engine) == HEAD
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_secrets_are_never_stored_in_clear(tmp_path: Path, store: SqlStore) -> None:
    run_id = store.create_run(_request(secrets={"token": SECRET}), "e1", 1.0)
    spec = RunSpec(
        "app",
        "f",
        "/r",
        "refs/heads/main",
        "a" * 40,
        "Manual",
        "1",
        (VarDef("token", SECRET, secret=True),),
        (),
    )
    store.save_plan(run_id, spec)
    batch = Batch(2.0)
    batch.update("run", run_id, variables={"token": VarValue(SECRET, secret=True)})
    store.commit(batch)
    store.report(Report("variable", run_id, 1, {"keys": ["s.x"], "value": SECRET, "secret": True}))
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("shipyard.db*"))
    assert SECRET.encode() not in raw
    snap = store.load_run(run_id)
    assert snap.spec is not None and snap.spec.variables[0].value == SECRET
    assert snap.variables == {"token": VarValue(SECRET, secret=True)}
    assert store.pending_reports([run_id])[0].data["value"] == SECRET


def test_a_job_is_claimed_by_exactly_one_worker(store: SqlStore) -> None:
    run_id = store.create_run(_request(), "e1", 1.0)
    snap = store.save_plan(run_id, _one_job_spec())
    job_id = next(iter(snap.stages["S"].jobs.values())).id
    batch = Batch(1.0, engine_id="e1")
    batch.queue.append(_job_spec(run_id, job_id, SECRET))
    store.commit(batch)
    assert store.claim("w0", "other-engine", "h", "t") is None  # not its engine's job
    won: list[JobSpec] = []
    threads = [
        threading.Thread(
            target=lambda n=n: (
                won.append(s) if (s := store.claim(f"w{n}", "e1", "h", "t")) else None
            )
        )
        for n in range(4)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(won) == 1 and won[0].variables["token"].value == SECRET
    assert store.heartbeat(job_id, "w-nobody", 2.0) is False


def test_a_batch_writes_updates_and_events_together(store: SqlStore) -> None:
    run_id = store.create_run(_request(), None, 1.0)
    store.save_plan(run_id, _one_job_spec())
    batch = Batch(5.0)
    batch.update("run", run_id, status="running", started_at=5.0)
    batch.event("run", run_id, "running")
    batch.log(run_id, None, None, "hello")
    events = store.commit(batch)
    assert [e.id > 0 for e in events] == [True]
    run = store.get_run(run_id)
    assert run is not None and str(run.status) == "running" and run.started_at == 5.0
    assert [line.text for line in store.logs(run_id)] == ["hello"]
    with pytest.raises(ValueError, match="no settable"):
        batch.update("run", run_id, pipeline="other")


def test_logs_keep_their_order_and_announce_themselves(store: SqlStore) -> None:
    run_id = store.create_run(_request(), None, 1.0)
    last = store.append_logs(run_id, 7, 3, [(1.0, "a"), (1.1, "b")])
    store.append_logs(run_id, 7, 4, [(1.2, "c")])
    assert [x.text for x in store.logs(run_id)] == ["a", "b", "c"]
    assert [x.text for x in store.logs(run_id, step_id=3)] == ["a", "b"]
    assert [x.text for x in store.logs(run_id, after=last)] == ["c"]
    assert [r.kind for r in store.pending_reports([run_id])] == ["log", "log"]


def test_counters_count_from_their_seed(store: SqlStore) -> None:
    assert [store.next_counter("k", 5) for _ in range(3)] == [5, 6, 7]
    assert store.next_counter("other", 0) == 0


def test_a_decision_is_resolved_once(store: SqlStore) -> None:
    run_id = store.create_run(_request(), None, 1.0)
    first = store.create_decision(run_id, "Prod", "Ship", "approval", "ok?", {})
    assert store.create_decision(run_id, "Prod", "Ship", "approval", "ok?", {}).id == first.id
    store.resolve_decision(first.id, True, "alice")
    with pytest.raises(InvalidInput, match="already approved"):
        store.resolve_decision(first.id, False, "bob")
    assert [d.id for d in store.decisions(status="unapplied")] == [first.id]


def test_pending_changes_round_trip(store: SqlStore) -> None:
    push = Push("main", "1" * 40, "2" * 40)
    store.save_pending(PendingChanges("app", "main", (push,)), _request(secrets={"t": SECRET}))
    taken = store.take_pending("app", "refs/heads/main")
    assert taken is not None and taken[0].pushes == (push,) and taken[1].secrets == {"t": SECRET}
    assert store.take_pending("app", "refs/heads/main") is None


def test_artifact_names_are_unique_per_run_and_kind(store: SqlStore) -> None:
    run_id = store.create_run(_request(), None, 1.0)
    store.add_artifact(run_id, 1, "drop", "pipeline", "1/pipeline/drop", 10, 1)
    store.add_artifact(run_id, 1, "drop", "build", "1/build/drop", 10, 1)
    with pytest.raises(ShipyardError, match="already published"):
        store.add_artifact(run_id, 1, "drop", "pipeline", "x", 1, 1)


def test_test_results_are_stored_per_test(store: SqlStore) -> None:
    run_id = store.create_run(_request(), None, 1.0)
    cases = [TestCase("a", "C", "passed", 5), TestCase("b", "C", "failed", 7, "boom", "st")]
    store.add_test_results(run_id, 1, 2, "unit", cases)
    assert store.test_counts(run_id) == {"passed": 1, "failed": 1}
    assert [(c.name, c.message) for c in store.tests(run_id, "failed")] == [("b", "boom")]


def test_a_cancel_is_a_command_for_the_owning_engine(store: SqlStore) -> None:
    run_id = store.create_run(_request(), "e1", 1.0)
    store.request_cancel(run_id)
    assert store.take_commands("e2") == []
    assert store.take_commands("e1") == [("cancel", run_id, {})]
    assert store.take_commands("e1") == []


def _one_job_spec() -> RunSpec:
    from shipyard.flow.run.spec import JobDef, StageDef, StepDef

    job = JobDef("J", "J", (StepDef("s", "s", "script", "echo"),))
    return RunSpec(
        "app",
        "f",
        "/r",
        "refs/heads/main",
        "a" * 40,
        "Manual",
        "1",
        (),
        (StageDef("S", "S", (job,)),),
    )


def test_tables_exist(store: SqlStore) -> None:
    names = set(sa.inspect(store.engine).get_table_names())
    assert {"runs", "stages", "jobs", "steps", "log_lines", "test_results", "artifacts"} <= names
