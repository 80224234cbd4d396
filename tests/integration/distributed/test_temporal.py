"""The Temporal executor on a real dev server with real worker processes."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.executor.service import LocalService
from tests.integration.distributed.conftest import DevServer, StartWorker, settle
from tests.integration.run.conftest import processes_matching, wait_for
from tests.integration.run.test_crash_and_cancel import _request

pytestmark = pytest.mark.integration

REGISTRY = "pipelines:\n  app: azure-pipelines.yml\n"


def _submit(svc: LocalService, repo: Path) -> int:
    run_id = svc.engine.submit(_request(repo)).result(60)
    assert run_id is not None
    return run_id


def _jobs(svc: LocalService, run_id: int) -> dict[str, tuple[str, str, str]]:
    run = svc.store.get_run(run_id)
    assert run is not None
    return {j.name: (str(j.status), j.worker, j.message) for s in run.stages for j in s.jobs}


def _log(svc: LocalService, run_id: int) -> str:
    return "\n".join(line.text for line in svc.store.logs(run_id))


BY_LABEL = """
jobs:
- job: Linux
  pool:
    name: builders
    demands: Agent.OS -equals Linux
  steps:
  - script: echo "on $(Agent.OS)"
- job: Gpu
  pool:
    name: builders
    demands:
    - gpu
  steps:
  - script: echo trained
"""


def test_jobs_go_to_the_workers_whose_labels_match(
    make_repo: Callable[[dict[str, str]], Path],
    start_worker: StartWorker,
    service: LocalService,
) -> None:
    start_worker("plain-linux", "builders", "Agent.OS=Linux")
    start_worker("gpu-box", "builders", "gpu")
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": BY_LABEL})
    run_id = _submit(service, repo)
    settle(service, run_id)
    jobs = _jobs(service, run_id)
    assert jobs["Linux"][:2] == ("succeeded", "plain-linux"), jobs
    assert jobs["Gpu"][:2] == ("succeeded", "gpu-box"), jobs
    assert "trained" in _log(service, run_id)


LONG = """
steps:
- bash: |
    echo started
    sleep {seconds}
    echo finished
  name: long
"""


def test_a_worker_killed_mid_job_loses_it_to_another_and_the_run_finishes(
    make_repo: Callable[[dict[str, str]], Path],
    start_worker: StartWorker,
    service: LocalService,
) -> None:
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": LONG.format(seconds="6.25")})
    first = start_worker("first")
    run_id = _submit(service, repo)
    wait_for(lambda: processes_matching("sleep 6.25"), timeout=60, what="the step to start")
    second = start_worker("second")
    first.kill9()
    settle(service, run_id)
    jobs = _jobs(service, run_id)
    status, worker, _ = jobs["Job"]
    assert status == "succeeded", (jobs, _log(service, run_id))
    assert worker == "second", jobs
    log = _log(service, run_id)
    assert "was lost" in log and "finished" in log
    second.stop()


def test_the_temporal_server_killed_and_restarted_mid_run_the_run_finishes(
    make_repo: Callable[[dict[str, str]], Path],
    start_worker: StartWorker,
    service: LocalService,
    temporal: DevServer,
) -> None:
    pipeline = LONG.format(seconds="4.5") + "- script: echo second step\n"
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": pipeline})
    start_worker("steady")
    run_id = _submit(service, repo)
    wait_for(lambda: processes_matching("sleep 4.5"), timeout=60, what="the step to start")
    temporal.kill()
    temporal.start()
    settle(service, run_id, timeout=180)
    jobs = _jobs(service, run_id)
    assert jobs["Job"][0] == "succeeded", (jobs, _log(service, run_id))
    assert "second step" in _log(service, run_id)


def test_cancel_reaches_the_step_on_the_worker(
    make_repo: Callable[[dict[str, str]], Path],
    start_worker: StartWorker,
    service: LocalService,
) -> None:
    pipeline = LONG.format(seconds="303.5") + "- script: echo cleanup\n  condition: always()\n"
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": pipeline})
    start_worker("busy")
    run_id = _submit(service, repo)
    wait_for(lambda: processes_matching("sleep 303.5"), timeout=60, what="the step to start")
    service.engine.cancel(run_id)
    settle(service, run_id)
    run = service.store.get_run(run_id)
    assert run is not None and str(run.status) == "canceled"
    wait_for(lambda: not processes_matching("sleep 303.5"), timeout=20, what="the step killed")
    assert "cleanup" in _log(service, run_id)


def test_a_job_no_worker_can_take_says_so_instead_of_hanging(
    make_repo: Callable[[dict[str, str]], Path],
    start_worker: StartWorker,
    service: LocalService,
) -> None:
    pipeline = "pool:\n  name: arm64\n  demands: docker\nsteps:\n- script: echo never\n"
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": pipeline})
    start_worker("x86")  # polls the local pool only
    run_id = _submit(service, repo)
    settle(service, run_id)
    status, _, message = _jobs(service, run_id)["Job"]
    assert status == "failed"
    assert "no worker can take this job" in message
    assert "pool 'arm64' with demands docker" in message
    assert "shipyard worker --pool arm64 --capability docker" in message


def test_a_worker_stops_cleanly_on_sigterm(start_worker: StartWorker) -> None:
    worker = start_worker("short-lived")
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.proc.wait(30) == 0
