"""The Kubernetes Jobs executor on the devtest cluster's real node (kubelet + containerd).

Every job here is a real Kubernetes Job whose pod runs the ``node/agent`` image built from
this checkout; the engine runs in the test process. The store is a SQLite file of the
test's own, which the pods reach through a hostPath at the same path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shipyard.adapters.kube_jobs import KubeJobs
from shipyard.executor.kube_manifest import engine_label, env_secret, job_name
from shipyard.executor.service import LocalService
from shipyard.platform import Platform, binary, lifecycle, registry_auth
from shipyard.platform.settings import ExecutorSettings
from tests.integration.distributed.conftest import settle
from tests.integration.distributed.test_temporal import REGISTRY, _jobs, _log, _submit
from tests.integration.run.conftest import processes_matching, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.platform]

NAMESPACE = "shipyard-agents"


def ensure_agent_base(platform: Platform) -> None:
    """``base/agent`` (``platform up`` builds it when executor.kind asks for Kubernetes)."""
    lifecycle.image_builder(platform).ensure(("agent",))


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store of the test's own; the platform's directories stay the machine's."""
    root = tmp_path / "store"
    root.mkdir()
    monkeypatch.setenv("SHIPYARD_DATABASE_URL", f"sqlite:///{root / 'runs.db'}")
    monkeypatch.setenv("SHIPYARD_ARTIFACTS_DIR", str(root / "artifacts"))
    monkeypatch.setenv("SHIPYARD_SECRET_KEY_FILE", str(root / "secret.key"))
    for key in ("SHIPYARD_SECRET_KEY", "SHIPYARD_WORK_DIR", "SHIPYARD_EXECUTOR_KIND"):
        monkeypatch.delenv(key, raising=False)
    return root


@pytest.fixture
def kube_service(shipyard_platform: Platform, store_env: Path) -> Iterator[LocalService]:
    ensure_agent_base(shipyard_platform)
    settings = ExecutorSettings(
        kind="kubernetes", wait_for_worker_seconds=6, attempts=2, heartbeat_seconds=2
    )
    svc = LocalService.start(executor_settings=settings)
    try:
        yield svc
    finally:
        svc.stop()


@pytest.fixture
def repo_of(tmp_path: Path) -> Callable[[str], Path]:
    def make(pipeline: str) -> Path:
        repo = tmp_path / "repo"
        repo.mkdir()
        (repo / "shipyard.yml").write_text(REGISTRY)
        (repo / "azure-pipelines.yml").write_text(pipeline)
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
        who = ["-c", "user.name=Shipyard Test", "-c", "user.email=test@shipyard.invalid"]
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*who, "commit", "-qm", "i"]):
            subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
        return repo

    return make


def _cluster(platform: Platform) -> KubeJobs:
    return KubeJobs(platform.paths.admin_kubeconfig, "admin@devtest", NAMESPACE)


BY_POOL = """
jobs:
- job: Here
  steps:
  - script: echo "in a pod"
  - script: test ! -e {admin} && test ! -e {signing} && test ! -e {executor} && test -s {kubeconfig}
  - script: echo private $((6 * 7))
- job: Gpu
  pool:
    name: gpu
    demands: cuda
  steps:
  - script: echo never
"""


def test_a_job_runs_in_a_pod_on_the_node_of_its_pool_and_one_no_node_serves_fails(
    repo_of: Callable[[str], Path], kube_service: LocalService, shipyard_platform: Platform
) -> None:
    paths = shipyard_platform.paths
    pipeline = BY_POOL.format(
        admin=paths.admin_kubeconfig,
        signing=registry_auth.signing_key(paths),
        kubeconfig=paths.kubeconfig,
        executor=paths.executor_kubeconfig,
    )
    run_id = _submit(kube_service, repo_of(pipeline))
    settle(kube_service, run_id, timeout=180)
    jobs = _jobs(kube_service, run_id)
    status, worker, _ = jobs["Here"]
    assert status == "succeeded", jobs
    assert "in a pod" in _log(kube_service, run_id)
    # The environments' kubeconfig is there; the admin's and the token signing key are not.
    assert "private 42" in _log(kube_service, run_id)
    cluster = _cluster(shipyard_platform)
    try:
        state = cluster.state(worker.rsplit("-", 1)[0])  # the worker is the Job's pod
    finally:
        cluster.close()
    assert state is not None and state.succeeded == 1
    assert [(p.name, p.node) for p in state.pods] == [(worker, "shipyard-node")]
    status, _, message = jobs["Gpu"]
    assert status == "failed"
    assert message.startswith("no node can take this job: no node of pool 'gpu'"), message
    assert "capability.shipyard.io/cuda=true" in message
    assert "Waiting for a node of pool 'gpu' with demands cuda" in _log(kube_service, run_id)


LONG = """
steps:
- script: sleep {seconds}
  displayName: long
- script: echo cleanup ran
  condition: always()
"""


def test_cancel_deletes_the_job_its_step_stops_and_always_steps_run(
    repo_of: Callable[[str], Path], kube_service: LocalService, shipyard_platform: Platform
) -> None:
    run_id = _submit(kube_service, repo_of(LONG.format(seconds="301.5")))
    wait_for(lambda: processes_matching("sleep 301.5"), timeout=90, what="the step to start")
    (job_id,) = [j.job_id for j in kube_service.store.queued_jobs(run_id)]
    kube_service.engine.cancel(run_id)
    settle(kube_service, run_id, timeout=120)
    run = kube_service.store.get_run(run_id)
    assert run is not None and str(run.status) == "canceled"
    wait_for(lambda: not processes_matching("sleep 301.5"), timeout=30, what="the step killed")
    assert "cleanup ran" in _log(kube_service, run_id)
    cluster = _cluster(shipyard_platform)
    name = job_name(kube_service.engine.id, job_id)
    try:
        wait_for(lambda: cluster.state(name) is None, timeout=60, what=f"Job {name} deleted")
    finally:
        cluster.close()


def test_an_agent_killed_with_9_is_replaced_by_a_pod_that_takes_the_job_over(
    repo_of: Callable[[str], Path], kube_service: LocalService
) -> None:
    run_id = _submit(kube_service, repo_of(LONG.format(seconds="6.25")))
    wait_for(lambda: processes_matching("sleep 6.25"), timeout=90, what="the step to start")
    (agent,) = processes_matching("shipyard.executor.kube_agent")
    os.kill(agent, signal.SIGKILL)
    settle(kube_service, run_id, timeout=180)
    status, worker, message = _jobs(kube_service, run_id)["Job"]
    log = _log(kube_service, run_id)
    assert status == "succeeded", (message, log)
    assert "was lost; the job starts again from its first step" in log
    assert worker.startswith("sy-")


def test_a_pod_evicted_mid_job_is_replaced_and_the_job_finishes(
    repo_of: Callable[[str], Path], kube_service: LocalService, shipyard_platform: Platform
) -> None:
    run_id = _submit(kube_service, repo_of(LONG.format(seconds="6.75")))
    wait_for(lambda: processes_matching("sleep 6.75"), timeout=90, what="the step to start")
    (job_id,) = [j.job_id for j in kube_service.store.queued_jobs(run_id)]
    wait_for(lambda: _jobs(kube_service, run_id)["Job"][1], timeout=30, what="the job's pod")
    first = _jobs(kube_service, run_id)["Job"][1]
    kubectl = [
        str(binary("kubectl")),
        "--kubeconfig",
        str(shipyard_platform.paths.admin_kubeconfig),
    ]
    where = ["--context", "admin@devtest", "-n", NAMESPACE]
    # What a drain does: delete the pod (SIGTERM first), with no cancel asked.
    subprocess.run(
        [*kubectl, *where, "delete", "pod", first, "--wait=false"], check=True, capture_output=True
    )
    settle(kube_service, run_id, timeout=180)
    status, worker, message = _jobs(kube_service, run_id)["Job"]
    log = _log(kube_service, run_id)
    assert status == "succeeded", (message, log)
    assert worker != first and worker.startswith(job_name(kube_service.engine.id, job_id))
    assert f"({first}#1 on shipyard-node) was lost" in log


def test_a_service_removes_the_secret_of_an_engine_killed_before_it_could(
    shipyard_platform: Platform, store_env: Path
) -> None:
    lifecycle.image_builder(shipyard_platform).ensure(("agent",))
    path = shipyard_platform.paths.executor_kubeconfig
    cluster = KubeJobs(path, "executor", NAMESPACE)
    dead = env_secret("shipyard-agent-deadbeef0000", NAMESPACE, {"X": "1"}, time.time() - 3600)
    alive = env_secret("shipyard-agent-alive0000000", NAMESPACE, {"X": "1"}, time.time())
    try:
        cluster.apply(dead)
        cluster.apply(alive)  # another store's engine, still running
        svc = LocalService.start(executor_settings=ExecutorSettings(kind="kubernetes"))
        try:
            names = set(cluster.secrets({"shipyard.io/role": "agent-env"}))
            assert "shipyard-agent-deadbeef0000" not in names
            assert "shipyard-agent-alive0000000" in names
            assert f"shipyard-agent-{engine_label(svc.engine.id)}" in names
        finally:
            svc.stop()
        names = set(cluster.secrets({"shipyard.io/role": "agent-env"}))
        assert f"shipyard-agent-{engine_label(svc.engine.id)}" not in names  # its own, at stop
    finally:
        cluster.delete_secret("shipyard-agent-alive0000000")
        cluster.close()
