"""What a job's pod may do and see, read from its manifest."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from shipyard.executor.kube_manifest import (
    AgentPod,
    HostMount,
    env_secret,
    job_manifest,
    job_name,
    stale_secrets,
)
from tests.unit.executor.test_temporal_executor import _spec

POD = AgentPod(
    namespace="agents",
    image="127.0.0.1:5000/node/agent:abc",
    env_secret="shipyard-agent-e1",
    engine_id="E1-abc_def-0123456789",
    mounts=(HostMount(Path("/state")), HostMount(Path("/etc/ssl/certs"), read_only=True)),
    attempts=3,
)


def test_names_are_dns_labels_unique_per_engine() -> None:
    assert job_name("E1-abc_def-0123456789", 7) == "sy-e1abcdef0123-7"
    assert job_name("other", 7) != job_name("E1-abc_def-0123456789", 7)


def test_the_pod_goes_to_a_node_of_its_pool_with_its_demands() -> None:
    spec = job_manifest(POD, _spec(pool="linux", demands=("docker", "Agent.OS=Linux")))["spec"]
    terms = spec["template"]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    assert terms == [
        {
            "matchExpressions": [
                {"key": "shipyard.io/pool", "operator": "In", "values": ["linux"]},
                {"key": "capability.shipyard.io/Agent.OS", "operator": "In", "values": ["Linux"]},
                {"key": "capability.shipyard.io/docker", "operator": "Exists"},
            ]
        }
    ]


def test_secrets_come_from_the_secret_never_the_jobs_spec() -> None:
    container = job_manifest(POD, _spec())["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "shipyard-agent-e1"}}]
    assert all("value" not in e or "KEY" not in e["name"] for e in container["env"])
    assert container["args"][:2] == ["--job-id", "7"]


def test_retries_deadline_and_grace_follow_the_job() -> None:
    job = job_manifest(POD, _spec())["spec"]
    assert job["backoffLimit"] == 2  # attempts - 1: a lost pod is replaced twice
    assert job["activeDeadlineSeconds"] == 3 * (60 + 5) * 60 + 900  # every attempt fits
    assert job["podReplacementPolicy"] == "Failed"
    assert job["template"]["spec"]["terminationGracePeriodSeconds"] == 5 * 60
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert job["template"]["spec"]["automountServiceAccountToken"] is False


def test_host_directories_keep_their_paths_and_the_repository_is_read_only() -> None:
    manifest = job_manifest(POD, _spec(), (HostMount(Path("/repos/app"), read_only=True),))
    pod = manifest["spec"]["template"]["spec"]
    points = {m["mountPath"]: m["readOnly"] for m in pod["containers"][0]["volumeMounts"][1:]}
    assert points == {"/state": False, "/etc/ssl/certs": True, "/repos/app": True}
    paths = [v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v]
    assert paths == ["/state", "/repos/app", "/etc/ssl/certs"]  # parents first


def test_a_mask_hides_a_folder_and_what_is_mounted_inside_it_shows_again() -> None:
    mounts = (
        HostMount(Path("/home/state/platform/kubeconfig"), read_only=True, kind="File"),
        HostMount(Path("/home/state/platform"), kind="Mask"),
        HostMount(Path("/home/state")),
    )
    bare = dataclasses.replace(POD, mounts=())
    pod = job_manifest(bare, _spec(), mounts)["spec"]["template"]["spec"]
    points = [m["mountPath"] for m in pod["containers"][0]["volumeMounts"]]
    assert points[1:] == [
        "/home/state",
        "/home/state/platform",
        "/home/state/platform/kubeconfig",
    ]
    kinds = [("emptyDir" in v, v.get("hostPath", {}).get("type")) for v in pod["volumes"][-3:]]
    assert kinds == [(False, "Directory"), (True, None), (False, "File")]


def test_the_env_secret_says_whose_it_is_and_when_its_engine_last_ran() -> None:
    secret = env_secret("shipyard-agent-e1", "agents", {"SHIPYARD_DATABASE_URL": "x"}, 1000.4)
    assert secret["metadata"]["labels"]["shipyard.io/role"] == "agent-env"
    assert secret["metadata"]["annotations"] == {"shipyard.io/alive-at": "1000"}
    assert secret["stringData"] == {"SHIPYARD_DATABASE_URL": "x"}


def test_only_secrets_their_engines_stopped_renewing_are_stale() -> None:
    found = {
        "fresh": {"shipyard.io/alive-at": "9500"},
        "old": {"shipyard.io/alive-at": "8000"},
        "unmarked": {},
    }
    assert stale_secrets(found, now=10_000) == ["old", "unmarked"]
