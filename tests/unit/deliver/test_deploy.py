"""A deploy's checks come before the cluster; each refusal leaves nothing deployed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shipyard.deliver import checks
from shipyard.deliver.deploy import DeployRefused, change_cause, deploy
from shipyard.deliver.model import DeploymentRecord, DeployTarget, PodInfo
from shipyard.deliver.ports import DeliveryFailed, RolloutFailed
from shipyard.deliver.release import release_name
from tests.fakes import delivery as fk


def noop_runner(argv: Any, **kw: Any) -> Any:
    raise AssertionError("the fakes never run a process")


def run_deploy(kit: Any, env: str = "qa", rel: Any = None, run_id: int = 12) -> DeploymentRecord:
    said: list[str] = []
    return deploy(kit, rel or fk.release(), env, run_id, said.append, noop_runner, lambda s: None)


IMAGE = (f"127.0.0.1:5000/staging/delivery@{fk.DIGEST}",)


def approved(kit: Any, run_id: int = 12, **data: object) -> None:
    base: dict[str, object] = {
        "image_digest": fk.DIGEST,
        "chart_digest": fk.CHART_DIGEST,
        "environment": "production",
    }
    base.update(data)
    kit.ledger.approvals[(run_id, "production")] = ("approved", base, "rita")


def test_release_names_carry_the_version_kubernetes_safe() -> None:
    assert release_name("delivery", "1.0.2") == "delivery-v1-0-2"
    assert release_name("Delivery", "v2.10.0-rc.1") == "delivery-v2-10-0-rc-1"


def test_qa_deploys_the_staging_image_by_digest_and_records_it() -> None:
    kit = fk.kit()
    record = run_deploy(kit)
    assert record.image == f"{fk.REGISTRY}/staging/delivery:v1.0.2@{fk.DIGEST}"
    assert kit.helm.calls == ["render qa delivery-v1-0-2", "upgrade qa delivery-v1-0-2"]
    (line,) = kit.ledger.records
    assert (line.outcome, line.revision, line.environment) == ("succeeded", 1, "qa")
    assert "commit c0ffeec0ffee" in line.change_cause and "release run 12" in line.change_cause
    assert kit.ledger.lock_holders == {}


def test_production_without_an_approval_is_refused_before_helm() -> None:
    kit = fk.kit()
    with pytest.raises(DeployRefused, match="needs an approval"):
        run_deploy(kit, "production")
    assert kit.helm.calls == [] and kit.ledger.records == []


def test_an_approval_is_bound_to_the_digests_it_quoted() -> None:
    kit = fk.kit()
    approved(kit, image_digest="sha256:" + "9" * 64)
    with pytest.raises(DeployRefused, match="a new build needs a new approval"):
        run_deploy(kit, "production")
    assert kit.helm.calls == []


def test_production_deploys_the_prod_image_and_names_the_approver() -> None:
    kit = fk.kit()
    approved(kit)
    record = run_deploy(kit, "production")
    assert record.image.startswith(f"{fk.REGISTRY}/prod/delivery:v1.0.2@")
    assert record.approvers == ("rita",)
    assert record.change_cause.endswith("approved by rita")


def test_manifest_findings_refuse_the_deploy_with_every_finding() -> None:
    kit = fk.kit(check_manifests=lambda text, policy: ["Deployment/d container app: latest"])
    with pytest.raises(DeployRefused, match="nothing was deployed") as err:
        run_deploy(kit)
    assert "container app: latest" in err.value.message
    assert kit.helm.calls == ["render qa delivery-v1-0-2"]


def test_an_older_build_never_replaces_a_newer_one() -> None:
    kit = fk.kit()
    run_deploy(kit, rel=fk.release(build_run_id=9))
    with pytest.raises(DeployRefused, match="build run 7 is older"):
        run_deploy(kit, rel=fk.release(build_run_id=7))


def test_a_busy_environment_waits_for_its_lock() -> None:
    kit = fk.kit()
    kit.ledger.busy_for = 3
    said: list[str] = []
    deploy(kit, fk.release(), "qa", 12, said.append, noop_runner, lambda s: None)
    assert any("run 99 is deploying there" in s for s in said)
    assert kit.ledger.busy_for == 0


def test_a_pending_release_is_recovered_before_the_upgrade() -> None:
    kit = fk.kit()
    kit.helm.pending.add("delivery-v1-0-2")
    run_deploy(kit)
    assert kit.helm.calls[-2:] == ["recover delivery-v1-0-2", "upgrade qa delivery-v1-0-2"]


def test_a_failed_rollout_is_in_the_ledger_with_its_explanation() -> None:
    kit = fk.kit(helm=fk.FakeHelm(fail_rollout="pod delivery-x: readiness probe GET /health"))
    with pytest.raises(RolloutFailed):
        run_deploy(kit)
    (line,) = kit.ledger.records
    assert line.outcome == "failed" and "readiness probe" in line.message
    assert kit.ledger.lock_holders == {}


def test_promotion_must_deliver_the_built_digest() -> None:
    kit = fk.kit()
    result = checks.promote(kit, fk.release(), "production", lambda s: None)
    assert kit.promoter.calls == [f"staging/delivery@{fk.DIGEST} -> prod/delivery:v1.0.2"]
    assert result.digest == fk.DIGEST
    bad = fk.kit(promoter=fk.FakePromoter(digest="sha256:" + "0" * 64))
    with pytest.raises(DeliveryFailed, match="not the built"):
        checks.promote(bad, fk.release(), "production", lambda s: None)


def test_the_smoke_test_names_the_pod_that_does_not_answer() -> None:
    pods = [
        PodInfo("delivery-a", "10.0.0.5", True, "node-1", "Running", IMAGE),
        PodInfo("delivery-b", "10.0.0.6", True, "node-1", "Running", IMAGE),
        # An earlier rollout's pods: shutting down, or of another build; never asked.
        PodInfo("delivery-old", "10.0.0.7", True, "node-1", "Running", IMAGE, terminating=True),
        PodInfo("delivery-prev", "10.0.0.8", True, "node-1", "Running", ("r/d@sha256:0",)),
    ]
    cluster = fk.FakeCluster({"delivery-v1-0-2": pods})
    probe = fk.FakeProbe({"http://10.0.0.6:8080/health": (0, "connection refused")})
    kit = fk.kit(cluster=cluster, probe=probe)
    with pytest.raises(DeliveryFailed, match="delivery-b: no answer connection refused"):
        checks.smoke_test(kit, fk.release(), "qa", lambda s: None)
    asked = fk.FakeProbe()
    ok = checks.smoke_test(fk.kit(cluster=cluster, probe=asked), fk.release(), "qa", lambda s: None)
    assert asked.asked == ["http://10.0.0.5:8080/health", "http://10.0.0.6:8080/health"]
    assert [r.pod for r in ok] == ["delivery-a", "delivery-b"]


def test_on_simulated_nodes_the_smoke_test_checks_readiness_and_asks_no_process() -> None:
    pods = [
        PodInfo("delivery-a", "10.0.0.1", True, "node-000000", "Running", IMAGE),
        PodInfo("delivery-b", "10.0.0.2", False, "node-000001", "Pending", IMAGE),
    ]
    probe = fk.FakeProbe({})
    target = DeployTarget("production", "/k", "production", "production", "prod", True)
    kit = fk.kit(cluster=fk.FakeCluster({"delivery-v1-0-2": pods}), probe=probe)
    kit = replace(kit, target=lambda env: target)
    said: list[str] = []
    with pytest.raises(DeliveryFailed, match="delivery-b: no answer not ready"):
        checks.smoke_test(kit, fk.release(), "production", said.append)
    assert "no process runs there" in said[0]
    assert probe.asked == []


def test_change_cause_tells_the_story() -> None:
    text = change_cause(replace(fk.release(), commit="abcdef1234567890"), 5, ("rita", "sam"))
    assert text == (
        "delivery v1.0.2 from commit abcdef123456 (build run 7, release run 5), "
        "approved by rita, sam"
    )
