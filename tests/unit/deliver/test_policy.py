"""The manifest policy refuses, before the cluster, what production must never run."""

from __future__ import annotations

from shipyard.deliver.environments import ManifestPolicy
from shipyard.deliver.policy import check_manifests, split_image

DIGEST = "sha256:" + "a" * 64
PROD = ManifestPolicy("127.0.0.1:5000/prod/", require_digest=True, allow_root=False)


def deployment(image: str, container_ctx: str = "", pod_ctx: str = "", init: str = "") -> str:
    pod = f"\n      securityContext: {pod_ctx}" if pod_ctx else ""
    ctx = f"\n        securityContext: {container_ctx}" if container_ctx else ""
    inits = f"\n      initContainers:\n      - name: migrate\n        image: {init}" if init else ""
    return f"""\
apiVersion: v1
kind: Service
metadata: {{name: delivery}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: delivery-v1-0-2}}
spec:
  template:
    spec:{pod}{inits}
      containers:
      - name: app
        image: {image}{ctx}
"""


OK = f"127.0.0.1:5000/prod/delivery:v1.0.2@{DIGEST}"


def test_a_pinned_non_root_prod_image_complies() -> None:
    assert check_manifests(deployment(OK, pod_ctx="{runAsNonRoot: true}"), PROD) == []
    assert check_manifests(deployment(OK, container_ctx="{runAsUser: 1000}"), PROD) == []


def test_latest_and_untagged_images_are_refused() -> None:
    (finding,) = check_manifests(
        deployment("127.0.0.1:5000/staging/delivery:latest", pod_ctx="{runAsUser: 1}"),
        ManifestPolicy(),
    )
    assert "Deployment/delivery-v1-0-2 container app" in finding and "'latest'" in finding
    (untagged,) = check_manifests(
        deployment("127.0.0.1:5000/x", pod_ctx="{runAsUser: 1}"), ManifestPolicy()
    )
    assert "has no tag" in untagged


def test_production_wants_a_digest_and_its_own_namespace() -> None:
    found = check_manifests(
        deployment("127.0.0.1:5000/staging/delivery:v1.0.2", pod_ctx="{runAsUser: 1}"), PROD
    )
    assert any("not pinned by digest" in f for f in found)
    assert any("outside this environment's registry namespace" in f for f in found)
    assert any("127.0.0.1:5000/prod/" in f for f in found)


def test_root_is_refused_in_containers_and_init_containers() -> None:
    found = check_manifests(deployment(OK, init=OK), PROD)
    assert any("container app: may run as root" in f for f in found)
    assert any("init container migrate: may run as root" in f for f in found)
    zero = check_manifests(deployment(OK, container_ctx="{runAsUser: 0}"), PROD)
    assert any("runAsUser is 0" in f for f in zero)
    priv = check_manifests(
        deployment(OK, container_ctx="{runAsNonRoot: true, privileged: true}"), PROD
    )
    assert priv == [
        "Deployment/delivery-v1-0-2 container app: securityContext.privileged "
        "is true; expected false"
    ]


def test_allow_root_turns_the_root_check_off() -> None:
    assert check_manifests(deployment(OK), ManifestPolicy(allow_root=True)) == []


def test_a_chart_without_workloads_and_bad_yaml_are_findings() -> None:
    assert "no workload" in check_manifests("kind: Service\n", ManifestPolicy())[0]
    assert "not valid YAML" in check_manifests("a: [", ManifestPolicy())[0]


def test_split_image_reads_ports_tags_and_digests() -> None:
    assert split_image(f"h:5000/a/b:v1@{DIGEST}") == ("h:5000/a/b", "v1", DIGEST)
    assert split_image("h:5000/a/b") == ("h:5000/a/b", "", "")
