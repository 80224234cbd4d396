"""The README's main job, delivery part, on the embedded platform: two release builds, the
release pipeline through QA (real pods on the real node) and production, side by side, a
rollback; then what the CLI says of it, against the registry and the clusters themselves."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from shipyard.adapters.registry import OciRegistry
from shipyard.cli.demo_delivery import run_delivery_demo
from shipyard.platform import Platform, binary
from tests.e2e.conftest import Shipyard

pytestmark = [pytest.mark.e2e, pytest.mark.platform, pytest.mark.integration]


def test_the_release_flow_reaches_production_by_digest_side_by_side_with_a_rollback(
    platform: Platform,
    registry: OciRegistry,
    shipyard: Shipyard,
    session_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("SHIPYARD_DATABASE_URL", "SHIPYARD_ARTIFACTS_DIR", "SHIPYARD_WORK_DIR"):
        monkeypatch.setenv(key, session_env[key])
    say = Console(record=True, width=200)
    demo = run_delivery_demo(
        Path("examples/fabrikam").resolve(), tmp_path, say=say, platform=platform
    )
    assert demo.ok, demo.as_json()
    text = say.export_text()
    assert "production does not allow self-approval" in demo.refused_self_approval
    assert demo.approver == "rita" and "approving as a second identity: rita" in text

    # The promotion: the same digest under prod/, no new image.
    staged = registry.manifest_digest("staging/delivery", "v1.0.2")
    assert staged and registry.manifest_digest("prod/delivery", "v1.0.2") == staged
    assert demo.builds[0].image_digest == staged

    # Side by side in production, each image by digest from prod/.
    done = shipyard("releases", "delivery", "--env", "production", "-o", "json")
    assert done.returncode == 0, done.stderr
    running = {r["name"]: r for r in json.loads(done.stdout)}
    assert {"delivery-v1-0-2", "delivery-v1-0-3"} <= set(running)
    for name, build in (("delivery-v1-0-2", demo.builds[0]), ("delivery-v1-0-3", demo.builds[1])):
        assert running[name]["images"] == [f"{registry.address}/prod/delivery@{build.image_digest}"]

    # History: helm's revisions, Shipyard's ledger and `kubectl rollout history` agree.
    done = shipyard("history", "delivery", "--env", "production", "--cluster", "-o", "json")
    assert done.returncode == 0, done.stderr
    story = json.loads(done.stdout)
    mine = [d for d in story["ledger"] if d["release"] == "delivery-v1-0-2"]
    kinds = [d["kind"] for d in mine][-3:]
    assert kinds == ["deploy", "deploy", "rollback"]
    assert demo.rollback["revision"] == mine[-1]["revision"]
    rollouts = story["rollout_history"]["delivery-v1-0-2"]
    first_cause = mine[-3]["change_cause"]
    # The rollback restored revision 1's pod template: its ReplicaSet is the newest again.
    assert rollouts[-1]["change_cause"] == first_cause
    assert "approved by rita" in first_cause

    kubectl = [
        str(binary("kubectl", platform)),
        "--kubeconfig",
        str(platform.kubeconfig),
        "--context",
        "production",
        "-n",
        "production",
    ]
    out = subprocess.run(
        [*kubectl, "rollout", "history", "deployment/delivery-v1-0-2"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert first_cause in out.stdout
