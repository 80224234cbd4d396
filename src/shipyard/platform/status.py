"""``status``: every component with its version, address, PID and health, as data.

The report is a plain dict (the JSON shape of ``shipyard platform status --output json``), so the
CLI renders it and tests assert on it. Secrets never enter it: the registry password shows
as ``****``, tokens and keys are not read at all. ``running`` is true while any process of
Shipyard's runs, including strays that no record knows about, which is what "``down`` left
nothing behind" is checked against.
"""

from __future__ import annotations

from typing import Any

from shipyard.domain import registry_access
from shipyard.domain.diagnostics import EnvironmentProblem
from shipyard.platform import rbac
from shipyard.platform.catalog import default_tools
from shipyard.platform.context import Platform
from shipyard.platform.deps import NodeInfo
from shipyard.platform.images import base_image
from shipyard.platform.install import Installer
from shipyard.platform.lifecycle import (
    clusters,
    leftovers,
    real_node,
    registry_service,
    temporal_service,
    token_service,
    wanted_base_images,
)
from shipyard.platform.node.service import node_tools
from shipyard.platform.topology import CLUSTERS, ENVIRONMENTS


def collect(platform: Platform, *, probe_tools: bool = True) -> dict[str, Any]:
    s = platform.settings
    report: dict[str, Any] = {
        "settings": {
            "file": str(s.source) if s.source else None,
            "registry": "embedded" if s.registry.embedded else "external",
            "clusters": "embedded" if s.embedded_clusters else "external",
            "node_kind": s.clusters.node_kind,
        },
        "paths": {
            "cache": str(platform.paths.cache),
            "data": str(platform.paths.data),
            "state": str(platform.paths.state),
            "kubeconfig": str(platform.kubeconfig),
        },
    }
    if probe_tools:
        installer = Installer(platform.paths, platform.adapters.run, platform.progress)
        extra = node_tools() if real_node(platform).cluster else ()
        report["tools"] = [installer.check(t).as_json() for t in (*default_tools(), *extra)]
    reg = registry_service(platform).status()
    report["registry"] = reg.as_json() | {"target": platform.target.as_json()}
    if platform.settings.registry.embedded:
        tokens = token_service(platform).running()
        report["registry"]["token_service"] = {
            "state": "running" if tokens else "stopped",
            "pid": tokens,
            "address": f"127.0.0.1:{platform.settings.registry.token_port}",
            "push": {role: registry_access.writable(role) for role in registry_access.ROLES},
        }
    executor = platform.settings.executor
    if executor.embedded_temporal:
        pid = temporal_service(platform).running_pid()
        report["temporal"] = {
            "state": "running" if pid else "stopped",
            "pid": pid,
            "address": executor.address,
        }
    report["images"] = _images(platform, reg.state in ("running", "external"))
    report["clusters"] = _clusters(platform)
    report["environments"] = _environments(platform, report["clusters"])
    strays = leftovers(platform)
    report["processes"] = [{"pid": p.pid, "argv": " ".join(p.argv)[:200]} for p in strays]
    report["running"] = (
        bool(strays) or reg.state == "running" or any(c.get("pids") for c in report["clusters"])
    )
    return report


def _images(platform: Platform, reachable: bool) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    t = platform.target
    client = platform.adapters.registry(t.address, t.secure, t.username, t.password.reveal())
    for key in wanted_base_images(platform):
        image = base_image(key)
        present: bool | None = None
        if reachable:
            try:
                present = client.has_manifest(image.repository, image.tag)
            except EnvironmentProblem:
                present = None
        found.append({"image": image.reference(t.address), "present": present})
    return found


def _clusters(platform: Platform) -> list[dict[str, Any]]:
    """Each cluster, its nodes with their kind (``kubelet`` real, ``kwok`` simulated) and,
    for the cluster meant to have the real node, that node's processes or why it has none."""
    if not platform.settings.embedded_clusters:
        return []
    kwok = clusters(platform)
    node = real_node(platform)
    found = []
    for spec in CLUSTERS:
        cluster = kwok.status(spec)
        entry = cluster.as_json()
        entry["nodes"] = []
        notes = []
        if entry["state"] == "running":
            try:
                infos = platform.adapters.reader(*kwok.admin(spec.name)).node_list()
            except EnvironmentProblem:
                infos = []
            entry["nodes"] = [n.as_json() for n in infos]
            notes += _node_summary(infos)
        if spec.name == node.cluster:
            real = node.status()
            entry["real_node"] = real.as_json()
            entry["pids"] = cluster.pids | {f"node {k}": v for k, v in real.pids.items()}
            if real.state == "simulated":
                notes.append(f"no real node: {real.detail}")
            elif real.state != "running":
                notes.append(f"real node {real.state}")
        entry["detail"] = "; ".join(n for n in (cluster.detail, *notes) if n)
        found.append(entry)
    return found


def _node_summary(infos: list[NodeInfo]) -> list[str]:
    parts = []
    for kind in ("kubelet", "kwok"):
        mine = [n for n in infos if n.kind == kind]
        if not mine:
            continue
        names = ", ".join(f"{n.name}{'' if n.ready else ' NotReady'}" for n in mine)
        label = "real" if kind == "kubelet" else "simulated"
        parts.append(f"{label}: {names}" if kind == "kubelet" else f"{label}: {len(mine)}")
    return parts


def _environments(platform: Platform, cluster_states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    s = platform.settings
    running = {c["name"] for c in cluster_states if c["state"] == "running"}
    envs: list[dict[str, Any]] = []
    for env in ENVIRONMENTS:
        if s.embedded_clusters:
            context, namespace, check = env.name, env.namespace, env.cluster in running
        else:
            target = s.environments[env.name]
            context, namespace, check = target.context, target.namespace, True
        entry: dict[str, Any] = {
            "name": env.name,
            "context": context,
            "namespace": namespace,
            "cluster": env.cluster if s.embedded_clusters else None,
            "identity": None,
            "healthy": False,
        }
        if check and platform.kubeconfig.is_file():
            try:
                who = platform.adapters.kube(platform.kubeconfig, context).whoami()
                entry["identity"] = who
                entry["healthy"] = (who == rbac.username(env)) if s.embedded_clusters else bool(who)
            except EnvironmentProblem as exc:
                entry["detail"] = exc.message
        envs.append(entry)
    return envs
