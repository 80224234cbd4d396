"""A killed engine leaves no run running and no process behind; cancel kills whole groups."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shipyard.adapters.git import GitCli
from shipyard.executor.service import LocalService
from shipyard.flow.run.records import RunRecord
from shipyard.flow.run.spec import RunRequest
from shipyard.store import open_store
from tests.integration.run.conftest import Shipyard, processes_matching, wait_for

pytestmark = pytest.mark.integration

REGISTRY = "pipelines:\n  app: azure-pipelines.yml\n"


def test_kill_9_of_the_running_process_fails_the_run_and_keeps_its_logs(
    make_repo: Callable[[dict[str, str]], Path], shipyard: Shipyard
) -> None:
    pipeline = "steps:\n- script: |\n    for i in 1 2 3; do echo line $i; done\n    sleep 297.25\n"
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": pipeline})
    proc = subprocess.Popen(
        [sys.executable, "-m", "shipyard", "run", "app", "--ref", "main", "--repo", str(repo)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        store = open_store()
        wait_for(
            lambda: (
                any(line.text == "line 3" for line in store.logs(1)) if store.get_run(1) else False
            ),
            what="the step's output in the store",
        )
        wait_for(lambda: processes_matching("sleep 297.25"), what="the step's process")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    shown = shipyard("runs", "show", "1", "-o", "json")
    run = json.loads(shown.stdout)
    assert shown.returncode == 1
    assert run["status"] == "failed" and "interrupted" in run["message"]
    assert all(j["status"] == "failed" for s in run["stages"] for j in s["jobs"])
    logs = shipyard("logs", "1").stdout
    assert "line 3" in logs and "interrupted" in logs
    wait_for(lambda: not processes_matching("sleep 297.25"), timeout=20, what="no leftovers")


def _request(repo: Path) -> RunRequest:
    sha = GitCli(repo).resolve("main")
    assert sha is not None
    return RunRequest(
        pipeline="app",
        file="azure-pipelines.yml",
        repo=str(repo),
        event={"kind": "manual", "ref": "refs/heads/main"},
        sha=sha,
        ref="refs/heads/main",
        reason="Manual",
    )


def _until_settled(svc: LocalService, run_id: int) -> RunRecord:
    wait_for(lambda: svc.engine.settled(run_id), what="the run to settle")
    run = svc.store.get_run(run_id)
    assert run is not None
    return run


def test_cancel_kills_the_whole_process_group(
    make_repo: Callable[[dict[str, str]], Path], env: dict[str, str]
) -> None:
    script = "sleep 301.75 &\nsleep 302.75\necho never\n"
    pipeline = "steps:\n- bash: |\n" + "".join(f"    {line}\n" for line in script.splitlines())
    pipeline += "  name: long\n- script: echo cleanup\n  name: cleanup\n  condition: always()\n"
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": pipeline})
    svc = LocalService.start(workers=1)
    try:
        run_id = svc.engine.submit(_request(repo)).result(60)
        assert run_id is not None
        wait_for(lambda: processes_matching("sleep 301.75") and processes_matching("sleep 302.75"))
        svc.engine.cancel(run_id)
        run = _until_settled(svc, run_id)
        assert str(run.status) == "canceled"
        steps = {s.name: str(s.status) for s in run.stages[0].jobs[0].steps}
        assert steps["long"] == "canceled" and steps["cleanup"] == "succeeded"
        assert not processes_matching("sleep 301.75") and not processes_matching("sleep 302.75")
    finally:
        svc.stop()


class ApprovalGate:
    def check(
        self, run: RunRecord, stage: str, job: str | None, environment: str
    ) -> tuple[str, str, dict[str, Any]] | None:
        return ("approval", "ship it?", {}) if environment == "production" else None


def test_a_run_waits_for_a_decision_across_engine_restarts(
    make_repo: Callable[[dict[str, str]], Path], env: dict[str, str]
) -> None:
    pipeline = """
jobs:
- job: Build
  steps:
  - script: echo built
- deployment: Ship
  dependsOn: Build
  environment: production
  strategy:
    runOnce:
      deploy:
        steps:
        - script: echo shipped
          name: ship
"""
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": pipeline})
    first = LocalService.start(workers=1, gate=ApprovalGate())
    run_id = first.engine.submit(_request(repo)).result(60)
    assert run_id is not None
    run = _until_settled(first, run_id)
    assert str(run.status) == "running" and str(run.stages[0].jobs[1].status) == "waiting"
    first.stop()  # no process holds the run while it waits

    store = open_store()
    decision = store.decisions(run_id, "pending")[0]
    store.resolve_decision(decision.id, True, "alice")
    time.sleep(0.1)

    second = LocalService.start(workers=1, gate=ApprovalGate())
    try:
        assert second.engine.adopt_run(run_id)
        run = _until_settled(second, run_id)
        assert str(run.status) == "succeeded"
        assert "shipped" in [line.text for line in second.store.logs(run_id)]
    finally:
        second.stop()
