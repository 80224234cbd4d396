"""The real node leaves the host as it found it: iptables (both families), the sysctls it
touches, mounts, network links, cgroups and fixed paths are the same after ``down`` as before
``up``, even after a crash of every node process in between; and ``up`` works again.

This takes the session's platform down and up again (about a minute); it ends up.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from shipyard.platform import Platform, lifecycle, status
from shipyard.platform.progress import Recorder
from tests.integration.platform import realnode
from tests.integration.platform.realnode import kubectl

pytestmark = [pytest.mark.integration, pytest.mark.platform]

# hostPort (the portmap plugin's chains) and a NodePort (kube-proxy's), in dev.
WORKLOAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: hygiene}
spec:
  replicas: 1
  selector: {matchLabels: {app: hygiene}}
  template:
    metadata: {labels: {app: hygiene}}
    spec:
      terminationGracePeriodSeconds: 1
      securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: web
          image: IMAGE
          command: ["python3", "-m", "http.server", "8080"]
          ports: [{containerPort: 8080, hostPort: 18093}]
          readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: hygiene}
spec:
  type: NodePort
  selector: {app: hygiene}
  ports: [{port: 80, targetPort: 8080}]
"""


def _fresh(p: Platform) -> Platform:
    return Platform(p.paths, p.settings, p.adapters, Recorder())


@pytest.fixture
def platform(shipyard_platform: Platform) -> Iterator[Platform]:
    p = shipyard_platform
    realnode.real_node(p)
    yield p
    lifecycle.up(_fresh(p))  # whatever happened, the session's platform is up again


def _serving(p: Platform) -> None:
    image = f"{realnode.registry(p).address}/base/python:3.11-bookworm"
    applied = kubectl(p, "dev", "apply", "-f", "-", stdin=WORKLOAD.replace("IMAGE", image))
    assert applied.returncode == 0, applied.stderr
    ready = kubectl(p, "dev", "rollout", "status", "deployment/hygiene", "--timeout=120s")
    assert ready.returncode == 0, ready.stderr
    address = realnode.node_address(p)
    assert "Directory listing" in realnode.http_get(f"http://{address}:18093/")
    port = kubectl(
        p, "dev", "get", "service", "hygiene", "-o", "jsonpath={.spec.ports[0].nodePort}"
    )
    assert "Directory listing" in realnode.http_get(f"http://{address}:{port.stdout}/")


def _crash_the_node(p: Platform) -> None:
    """SIGKILL containerd, its shims, the kubelet and kube-proxy: what a crash leaves."""
    node = lifecycle.real_node(p)
    victims = [proc.pid for proc in node.processes()]
    assert len(victims) >= 4, victims  # containerd, kubelet, kube-proxy and at least one shim
    for pid in victims:
        os.kill(pid, signal.SIGKILL)


def test_down_restores_the_host_even_after_a_crash_and_up_works_again(platform: Platform) -> None:
    p = platform
    lifecycle.down(_fresh(p))
    before = realnode.host_state(p)
    assert before["cgroups"] == [] and before["run"] is False

    lifecycle.up(_fresh(p))
    _serving(p)
    during = realnode.host_state(p)
    assert during["iptables"] != before["iptables"]  # the node did change the host
    assert during["links"] != before["links"] and during["cgroups"]

    _crash_the_node(p)
    recovered = Recorder()
    lifecycle.up(Platform(p.paths, p.settings, p.adapters, recovered))
    assert [s for s in recovered.done() if s.title.startswith("real node")]
    realnode.real_node(p)
    _serving(p)

    report = lifecycle.down(_fresh(p))
    assert "real node" in report.stopped
    after = realnode.host_state(p)
    for key, value in before.items():
        assert after[key] == value, f"{key} differs after down"
    assert status.collect(p, probe_tools=False)["running"] is False

    lifecycle.up(_fresh(p))
    realnode.real_node(p)
    kubectl(p, "dev", "delete", "deployment,service", "hygiene", "--wait=false")
