"""What the release pipeline refuses, each with a clear message and nothing deployed.

On the embedded platform with the real registry, helm and both clusters: the chart is
rendered by helm and checked before any cluster is touched (``latest``, a staging image in
production, a root container); a QA rollout that never becomes ready fails naming the pod
and the probe, is rolled back and asks no approval; an approval nobody gives expires.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from shipyard.adapters.registry import OciRegistry
from shipyard.deliver.deploy import DeployRefused, deploy
from shipyard.deliver.kit import DeliveryKit
from shipyard.deliver.release import Release
from shipyard.executor.delivery import console_runner, delivery_kit
from shipyard.platform import Platform, Recorder
from shipyard.store import open_store
from shipyard.store.deployments import Deployments
from tests.e2e.probe_release import helm_releases, make_release

pytestmark = [pytest.mark.e2e, pytest.mark.platform, pytest.mark.integration]


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A run store of this test's own, for this process and the workers it starts."""
    env = {
        "SHIPYARD_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}",
        "SHIPYARD_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
        "SHIPYARD_WORK_DIR": str(tmp_path / "work"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def kit(store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> DeliveryKit:
    # production's approval is not what these tests are about: the checks after it are
    monkeypatch.setenv("SHIPYARD_ENVIRONMENTS_PRODUCTION_MIN_APPROVALS", "0")
    return delivery_kit(open_store().engine, Platform.load(progress=Recorder()))


def refused(kit: DeliveryKit, release: Release, environment: str) -> str:
    said: list[str] = []
    with pytest.raises(DeployRefused) as err:
        deploy(kit, release, environment, 41, said.append, console_runner(None))
    return str(err.value)


def nothing_deployed(platform: Platform, release: Release, environment: str) -> None:
    context, namespace = environment, environment
    assert release.release not in helm_releases(platform, context, namespace)


def test_a_latest_image_in_the_chart_is_refused_before_the_cluster(
    platform: Platform, registry: OciRegistry, kit: DeliveryKit, tmp_path: Path
) -> None:
    release = make_release(
        platform, registry, tmp_path, "probe-latest", sidecar="127.0.0.1:5000/staging/agent:latest"
    )
    message = refused(kit, release, "qa")
    assert "nothing was deployed" in message
    assert "container sidecar" in message and "latest" in message, message
    nothing_deployed(platform, release, "qa")


def test_a_staging_image_sent_to_production_is_refused(
    platform: Platform, registry: OciRegistry, kit: DeliveryKit, tmp_path: Path
) -> None:
    release = make_release(platform, registry, tmp_path, "probe-staging")
    staged = f"{registry.address}/staging/probe-staging@{release.image_digest}"
    release = make_release(platform, registry, tmp_path, "probe-staging", sidecar=staged)
    message = refused(kit, release, "production")
    assert f"{registry.address}/prod/" in message and "staging/probe-staging" in message, message
    nothing_deployed(platform, release, "production")


def test_a_root_container_is_refused_for_production_before_admission(
    platform: Platform, registry: OciRegistry, kit: DeliveryKit, tmp_path: Path
) -> None:
    release = make_release(platform, registry, tmp_path, "probe-root", runAsUser=0)
    message = refused(kit, release, "production")
    assert "root" in message and "runAsUser" in message, message
    nothing_deployed(platform, release, "production")


# -- through the release pipeline ----------------------------------------------------------


def submit(release: Release, path: tuple[str, ...]) -> int:
    """Start the release run on an engine of this process; return once it settles."""
    from shipyard.executor.service import LocalService

    svc = LocalService.start()
    try:
        run_id = svc.engine.submit(release.request(path, release.author)).result(timeout=60)
        assert run_id is not None
        deadline = time.monotonic() + 600
        while not svc.engine.settled(run_id):
            assert svc.engine.crashed is None, svc.engine.crashed
            assert time.monotonic() < deadline, "the release run did not settle in 10 minutes"
            time.sleep(0.2)
    finally:
        svc.stop()
    return run_id


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shipyard", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=timeout,
    )


def run_json(run_id: int) -> dict[str, Any]:
    done = cli("runs", "show", str(run_id), "-o", "json")  # its exit code is the run's
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def pending(run_id: int) -> list[dict[str, Any]]:
    """The approvals ``shipyard approvals`` lists as waiting for this run."""
    done = cli("approvals", "-o", "json")
    assert done.returncode == 0, done.stderr
    return [w for w in json.loads(done.stdout) if w["run"] == run_id]


def test_a_qa_rollout_that_never_gets_ready_fails_naming_pod_and_probe_and_asks_no_approval(
    platform: Platform,
    registry: OciRegistry,
    store_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHIPYARD_ENVIRONMENTS_QA_HELM_TIMEOUT", "25")
    release = make_release(platform, registry, tmp_path, "probe-unready", readyPath="/never")
    run_id = submit(release, ("qa", "production"))
    assert run_json(run_id)["status"] == "failed"

    ledger = Deployments(open_store().engine)
    (qa,) = ledger.deployments(release.service, "qa", release.version)
    assert qa.outcome == "failed"
    assert f"pod {release.release}-" in qa.message, qa.message
    assert "readiness probe" in qa.message.lower() and "/never" in qa.message, qa.message
    assert ledger.approval_decisions(run_id) == []  # production's approval was never asked
    assert ledger.deployments(release.service, "production", release.version) == []
    nothing_deployed(platform, release, "qa")  # --rollback-on-failure removed the first install


def test_an_approval_nobody_gives_expires_and_deploys_nothing(
    platform: Platform,
    registry: OciRegistry,
    store_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHIPYARD_ENVIRONMENTS_PRODUCTION_APPROVAL_TIMEOUT_MINUTES", "1")
    release = make_release(platform, registry, tmp_path, "probe-expiry")
    run_id = submit(release, ("production",))
    (wait,) = pending(run_id)
    assert wait["environment"] == "production" and wait["image_digest"] == release.image_digest
    time.sleep(61)  # the shortest timeout the settings allow is a minute
    done = cli("approve", str(run_id), "--as", "rita", "--comment", "too late")
    assert done.returncode != 0
    assert "expired" in done.stderr, done.stderr
    assert run_json(run_id)["status"] == "expired"
    nothing_deployed(platform, release, "production")
