"""The manifest policy: what a rendered chart must satisfy before it reaches a cluster.

Checked on ``helm template`` output, so a refusal happens before anything is applied and
before admission would refuse it half-way through a rollout. For every container and init
container of every workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
Pod):

- the image has a tag or a digest, and the tag is not ``latest``;
- where the environment requires it, the image is pinned by digest (``@sha256:``);
- the image comes from the environment's registry namespace (``127.0.0.1:5000/prod/``);
- the container cannot run as root: ``runAsNonRoot: true`` or a non-zero ``runAsUser``
  (container level, else pod level), no ``runAsUser: 0``, not ``privileged``, no
  ``allowPrivilegeEscalation: true``.

Each finding says which object, which container, which field, and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from shipyard.deliver.environments import ManifestPolicy

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def _pod_spec(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    kind = doc.get("kind")
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        return None
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    template = spec.get("template") if isinstance(spec, Mapping) else None
    pod = template.get("spec") if isinstance(template, Mapping) else None
    return pod if isinstance(pod, Mapping) else None


def _containers(pod: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for field in ("initContainers", "containers"):
        for c in pod.get(field) or []:
            if isinstance(c, Mapping):
                yield field, c


def split_image(image: str) -> tuple[str, str, str]:
    """``host:5000/ns/name:tag@sha256:...`` -> (name, tag, digest)."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest


def _image_findings(where: str, image: str, policy: ManifestPolicy) -> list[str]:
    found: list[str] = []
    name, tag, digest = split_image(image)
    if not image:
        return [f"{where}: image is empty; expected a pinned image reference"]
    if tag == "latest":
        found.append(f"{where}: image {image} uses the tag 'latest'; expected an exact version")
    elif not tag and not digest:
        found.append(f"{where}: image {image} has no tag (means 'latest'); expected a version")
    if policy.require_digest and not _DIGEST.search(image):
        found.append(
            f"{where}: image {image} is not pinned by digest; expected NAME@sha256:... "
            "for this environment"
        )
    if policy.image_prefix and not name.startswith(policy.image_prefix.rstrip("/") + "/"):
        found.append(
            f"{where}: image {image} is outside this environment's registry namespace; "
            f"expected an image under {policy.image_prefix}"
        )
    return found


def _root_findings(where: str, pod_ctx: Mapping[str, Any], ctx: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    user = ctx.get("runAsUser", pod_ctx.get("runAsUser"))
    non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
    if user == 0:
        found.append(f"{where}: securityContext.runAsUser is 0 (root); expected a non-zero uid")
    elif non_root is not True and not (isinstance(user, int) and user > 0):
        found.append(
            f"{where}: may run as root; expected securityContext.runAsNonRoot: true or a "
            "non-zero runAsUser (on the container or the pod)"
        )
    if ctx.get("privileged") is True:
        found.append(f"{where}: securityContext.privileged is true; expected false")
    if ctx.get("allowPrivilegeEscalation") is True:
        found.append(f"{where}: securityContext.allowPrivilegeEscalation is true; expected false")
    return found


def check_manifests(text: str, policy: ManifestPolicy) -> list[str]:
    """Every finding in the rendered manifests (empty: they comply)."""
    try:
        docs = [d for d in yaml.safe_load_all(text) if isinstance(d, Mapping)]
    except yaml.YAMLError as exc:
        return [f"the rendered manifests are not valid YAML: {exc}"]
    found: list[str] = []
    workloads = 0
    for doc in docs:
        if doc.get("kind") not in WORKLOADS:
            continue
        pod = _pod_spec(doc)
        if pod is None:
            continue
        workloads += 1
        name = (doc.get("metadata") or {}).get("name", "?")
        pod_ctx = pod.get("securityContext") or {}
        for field, c in _containers(pod):
            kind = "init container" if field == "initContainers" else "container"
            where = f"{doc.get('kind')}/{name} {kind} {c.get('name', '?')}"
            found += _image_findings(where, str(c.get("image") or ""), policy)
            if not policy.allow_root:
                found += _root_findings(where, pod_ctx, c.get("securityContext") or {})
    if not workloads:
        found.append("the chart renders no workload (Deployment, Pod, ...); nothing to deploy")
    return found
