"""Faults during a release: Shipyard killed with -9 while it waits for an approval and while
helm upgrades, and two releases sent to production at once.

On the embedded platform, with real helm, registry and both clusters. Each test makes its
own releases of the ``probe`` chart and removes what it deployed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard.adapters.registry import OciRegistry
from shipyard.deliver.deploy import deploy
from shipyard.executor.delivery import console_runner, delivery_kit
from shipyard.platform import Platform, Recorder, binary
from shipyard.store import open_store
from shipyard.store.deployments import Deployments
from tests.e2e.probe_release import helm_releases, make_release
from tests.e2e.test_release_refusals import cli, pending, run_json, submit

pytestmark = [pytest.mark.e2e, pytest.mark.platform, pytest.mark.integration]


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "SHIPYARD_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}",
        "SHIPYARD_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
        "SHIPYARD_WORK_DIR": str(tmp_path / "work"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def cleanup(platform: Platform) -> Iterator[list[tuple[str, str]]]:
    """(environment, release) pairs to uninstall at the end, whatever happened."""
    made: list[tuple[str, str]] = []
    yield made
    for environment, release in made:
        subprocess.run(
            [str(binary("helm", platform)), "--kube-context", environment, "-n", environment,
             "uninstall", release, "--wait", "--timeout", "60s"],
            env=platform.tool_env(), capture_output=True, timeout=120, check=False,
        )  # fmt: skip


def _kill_group(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_an_approval_still_works_after_shipyard_is_killed_during_the_wait(
    platform: Platform,
    registry: OciRegistry,
    store_env: dict[str, str],
    tmp_path: Path,
    cleanup: list[tuple[str, str]],
) -> None:
    release = make_release(platform, registry, tmp_path, "probe-killwait")
    cleanup.append(("production", release.release))
    spec = tmp_path / "release.json"
    spec.write_text(json.dumps(release.as_json()))
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.hold_release", str(spec), "production"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout is not None
        line = holder.stdout.readline()
        assert line.startswith("waiting "), line
        run_id = int(line.split()[1])
    finally:
        _kill_group(holder)  # -9: no clean stop, the engine's row and the wait stay as they were
        if holder.stdout is not None:
            holder.stdout.close()
    assert [w["environment"] for w in pending(run_id)] == ["production"]

    done = cli("approve", str(run_id), "--as", "rita", "--comment", "after the crash")
    assert done.returncode == 0, done.stdout + done.stderr
    assert run_json(run_id)["status"] == "succeeded"
    (prod,) = Deployments(open_store().engine).deployments(
        release.service, "production", release.version
    )
    assert prod.outcome == "succeeded" and prod.approvers == ("rita",)
    assert (
        prod.image
        == f"{registry.address}/prod/{release.service}:{release.version}@{release.image_digest}"
    )
    assert (
        registry.manifest_digest(f"prod/{release.service}", release.version) == release.image_digest
    )


def test_two_releases_sent_to_production_at_once_deploy_one_after_the_other(
    platform: Platform,
    registry: OciRegistry,
    store_env: dict[str, str],
    tmp_path: Path,
    cleanup: list[tuple[str, str]],
) -> None:
    releases = [make_release(platform, registry, tmp_path, f"probe-lock{i}") for i in (1, 2)]
    cleanup.extend(("production", r.release) for r in releases)
    runs = [submit(r, ("production",)) for r in releases]
    voters = [
        subprocess.Popen(
            [sys.executable, "-m", "shipyard", "approve", str(run_id), "--as", "rita"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for run_id in runs
    ]
    outputs = [v.communicate(timeout=600)[0] for v in voters]
    assert [v.returncode for v in voters] == [0, 0], outputs
    ledger = Deployments(open_store().engine)
    first, second = sorted(
        (d for r in releases for d in ledger.deployments(r.service, "production", r.version)),
        key=lambda d: d.started_at,
    )
    assert first.outcome == second.outcome == "succeeded"
    assert first.finished_at is not None and second.started_at >= first.finished_at
    logs = [cli("logs", str(run_id)).stdout for run_id in runs]
    assert any("waiting for production: run" in text for text in logs), logs


DEPLOY = """
import sys
from shipyard.deliver.deploy import deploy
from shipyard.deliver.release import Release
from shipyard.executor.delivery import console_runner, delivery_kit
from shipyard.store import open_store
import json
release = Release.from_json(json.loads(open(sys.argv[1]).read()))
deploy(delivery_kit(open_store().engine), release, "qa", 51, print, console_runner(print))
"""


def test_the_next_deploy_works_after_shipyard_is_killed_during_a_helm_upgrade(
    platform: Platform,
    registry: OciRegistry,
    store_env: dict[str, str],
    tmp_path: Path,
    cleanup: list[tuple[str, str]],
) -> None:
    release = make_release(platform, registry, tmp_path, "probe-killhelm")
    cleanup.append(("qa", release.release))
    spec = tmp_path / "release.json"
    spec.write_text(json.dumps(release.as_json()))
    proc = subprocess.Popen(
        [sys.executable, "-c", DEPLOY, str(spec)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    pending = ["--pending"]
    deadline = time.monotonic() + 120
    try:
        while release.release not in helm_list(platform, pending):
            assert proc.poll() is None, "the deploy ended before helm was seen mid-upgrade"
            assert time.monotonic() < deadline, "helm never showed the release pending"
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # Shipyard and its helm, mid-upgrade
        proc.wait(10)
    assert release.release in helm_list(platform, pending)  # left pending-install

    said: list[str] = []
    kit = delivery_kit(open_store().engine, Platform.load(progress=Recorder()))
    record = deploy(kit, release, "qa", 52, said.append, console_runner(None))
    assert record.outcome == "succeeded"
    assert any(
        line.startswith(f"recovered {release.release}: was pending-install") for line in said
    ), said
    assert release.release in helm_releases(platform, "qa", "qa")


def helm_list(platform: Platform, states: list[str]) -> list[str]:
    argv = [
        str(binary("helm", platform)),
        "--kube-context",
        "qa",
        "-n",
        "qa",
        "list",
        "-q",
        *states,
    ]
    done = subprocess.run(argv, env=platform.tool_env(), capture_output=True, text=True, timeout=60)
    return done.stdout.split()
