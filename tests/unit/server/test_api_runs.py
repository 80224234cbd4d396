"""The run routes of the API: pipelines, a run's tests (failures first), its build record."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from shipyard.flow.run.records import TestCase
from shipyard.server.app import create_app
from tests.unit.run.harness import Harness
from tests.unit.server.tokens import auth


def test_tests_come_failures_first_and_pipelines_list_their_latest_run(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    first = h.run("steps:\n- script: echo a\n", pipeline="web")
    run = h.run("steps:\n- script: echo b\n", pipeline="web")
    job = run.stages[0].jobs[0]
    cases = [
        TestCase("test_ok", "suite", "passed"),
        TestCase("test_broken", "suite", "failed", message="assert 1 == 2"),
        TestCase("test_later", "suite", "skipped"),
    ]
    h.store.add_test_results(run.id, job.id, job.steps[0].id, "unit", cases)
    c = TestClient(create_app(h.store, {}, 1 << 16), headers=auth(h.store))
    got = c.get(f"/api/runs/{run.id}/tests").json()
    assert [t["name"] for t in got["tests"]] == ["test_broken", "test_later", "test_ok"]
    assert got["counts"]["failed"] == 1
    assert c.get("/api/pipelines").json() == [
        {"pipeline": "web", "latest_run": run.id, "status": "succeeded", "ref": "refs/heads/main"}
    ]
    assert first.id != run.id
    record = c.get(f"/api/runs/{run.id}/build-record").json()
    assert record["commit"] == run.sha and record["scans"] == []
    assert c.get("/api/runs/999/tests").status_code == 404


def test_the_run_page_lists_failing_tests_first_in_their_own_words(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run("steps:\n- script: echo b\n")
    job = run.stages[0].jobs[0]
    cases = [TestCase("test_broken", "suite", "failed", message="<b>assert</b> 1 == 2")]
    h.store.add_test_results(run.id, job.id, job.steps[0].id, "unit", cases)
    page = TestClient(create_app(h.store, {}, 1 << 16), headers=auth(h.store))
    text = page.get(f"/runs/{run.id}").text
    assert 'id="test-failures"' in text and "suite.test_broken" in text
    assert "&lt;b&gt;assert&lt;/b&gt;" in text
