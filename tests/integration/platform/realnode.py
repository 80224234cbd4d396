"""Helpers for the real-node tests: tools through the platform's environment, the delivery
image, the host's state as the node could change it, and whether this host has the node."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from shipyard.platform import Platform, binary, environment, lifecycle, registry, status
from shipyard.platform.node.layout import CGROUP_ROOT, FIXED_PATHS
from shipyard.platform.node.ledger import SYSCTLS

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "fabrikam"
DELIVERY_TAG = "v0.0.1-realnode"


def run(
    p: Platform, argv: list[str], stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = os.environ | p.tool_env()
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, input=stdin, timeout=timeout, check=False
    )


def helm(p: Platform, env_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run(p, [str(binary("helm", p)), *args, *environment(env_name, p).helm_args()])


def kubectl(
    p: Platform, env_name: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [str(binary("kubectl", p)), *environment(env_name, p).kubectl_args(), *args]
    return run(p, argv, stdin)


def admin(p: Platform, cluster: str, *args: str, stdin: str | None = None) -> str:
    argv = [
        str(binary("kubectl", p)),
        "--kubeconfig",
        str(p.paths.admin_kubeconfig),
        "--context",
        f"admin@{cluster}",
        *args,
    ]
    done = run(p, argv, stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout


def real_node(p: Platform) -> dict[str, object]:
    """The devtest cluster's status entry. Skips on a host that cannot run a real node (not
    root, no overlayfs...: the platform falls back and says why); fails on one that can."""
    report = status.collect(p, probe_tools=False)
    devtest = next(c for c in report["clusters"] if c["name"] == "devtest")
    node = devtest.get("real_node") or {}
    if node.get("state") != "running":
        reason = lifecycle.real_node(p).why_not()
        if reason:
            pytest.skip(f"this host cannot run a real node: {reason}")
        pytest.fail(f"devtest has no running real node: {node}")
    return devtest


def node_address(p: Platform) -> str:
    devtest = real_node(p)
    nodes = [n for n in devtest["nodes"] if n["kind"] == "kubelet"]  # type: ignore[attr-defined]
    return str(nodes[0]["address"])


def build_delivery(p: Platform) -> str:
    """The delivery service's image, built with buildah from the example and pushed."""
    ref = f"{registry(p).address}/staging/delivery:{DELIVERY_TAG}"
    context = EXAMPLE / "src" / "shipping"
    built = run(
        p,
        [
            "buildah",
            "build",
            "--layers",
            "--target",
            "final",
            "--build-arg",
            f"APP_VERSION={DELIVERY_TAG}",
            "--build-arg",
            f"BASE_IMAGE={registry(p).address}/base/python:3.11-bookworm",
            "-f",
            str(context / "delivery" / "Dockerfile"),
            "-t",
            ref,
            str(context),
        ],
        timeout=900,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    tls = [] if registry(p).secure else ["--tls-verify=false"]
    pushed = run(p, ["buildah", "push", *tls, ref])
    assert pushed.returncode == 0, pushed.stderr[-2000:]
    return ref


def http_get(url: str, attempts: int = 60) -> str:
    """GET ``url``, retrying while kube-proxy has not programmed a new Service yet (it syncs
    its rules a moment after the endpoints change, so a fresh NodePort may refuse at first)."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return str(answer.read().decode())
        except OSError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


# -- the host as the node can change it ---------------------------------------------------
def _iptables(family: str) -> list[str]:
    tool = "iptables-save" if family == "4" else "ip6tables-save"
    text = subprocess.run([tool], capture_output=True, text=True, check=True).stdout
    lines = []
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        lines.append(" ".join(raw.split()[:2]) if raw.startswith(":") else raw)
    return lines


def _sysctl(key: str) -> str:
    try:
        return " ".join(Path("/proc/sys", key.replace(".", "/")).read_text().split())
    except OSError:
        return "(absent)"


def host_state(p: Platform) -> dict[str, object]:
    """What the comparison of before ``up`` and after ``down`` looks at."""
    mounts = [
        line.split()[4]
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
        # buildah and podman mounts of other tests come and go; they are not the node's
        if str(p.paths.container_storage) not in line.split()[4]
    ]
    return {
        "iptables": _iptables("4"),
        "ip6tables": _iptables("6"),
        "sysctls": {k: _sysctl(k) for k in SYSCTLS},
        "mounts": sorted(mounts),
        "links": sorted(os.listdir("/sys/class/net")),
        "paths": {path: Path(path).exists() for path in FIXED_PATHS},
        "cgroups": sorted(str(c) for c in Path("/sys/fs/cgroup").glob(f"*/{CGROUP_ROOT}")),
        "run": Path("/run/shipyard").exists(),
    }
