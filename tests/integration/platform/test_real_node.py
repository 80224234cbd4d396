"""Real pods on devtest's real node: the example delivery service deployed with Helm through
the qa context, answering from the host (NodePort) and from another pod (cluster DNS), its
logs, its graceful stop, in-cluster API access, and a readiness probe that cannot pass."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard.platform import Platform, explain_rollout
from tests.integration.platform import realnode
from tests.integration.platform.realnode import EXAMPLE, helm, kubectl

pytestmark = [pytest.mark.integration, pytest.mark.platform]

RELEASE = "delivery-realnode"
BROKEN = "delivery-badprobe"

# A client in qa (Pod Security "restricted"): resolves the service by its name, calls it,
# and calls the API server through kubernetes.default with its service account token.
CLIENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: dns-client}
spec:
  replicas: 1
  selector: {matchLabels: {app: dns-client}}
  template:
    metadata: {labels: {app: dns-client}}
    spec:
      terminationGracePeriodSeconds: 1
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: client
          image: IMAGE
          command: ["python3", "-c", "SCRIPT"]
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
"""
SCRIPT = r"""
import json, socket, ssl, time, urllib.request
sa = "/var/run/secrets/kubernetes.io/serviceaccount"
print("resolved", socket.gethostbyname("SERVICE"), flush=True)
body = urllib.request.urlopen("http://SERVICE/health", timeout=10).read().decode()
print("answer", body, flush=True)
ctx = ssl.create_default_context(cafile=sa + "/ca.crt")
auth = {"Authorization": "Bearer " + open(sa + "/token").read()}
for host in ("kubernetes.default.svc", "10.0.0.1"):
    req = urllib.request.Request("https://" + host + "/version", headers=auth)
    version = json.load(urllib.request.urlopen(req, context=ctx, timeout=10))["gitVersion"]
    print("api", host, version, flush=True)
time.sleep(3600)
"""


@pytest.fixture(scope="module")
def delivery(shipyard_platform: Platform) -> Iterator[str]:
    """The delivery chart installed in qa with `helm upgrade --install --wait`."""
    p = shipyard_platform
    realnode.real_node(p)
    realnode.build_delivery(p)
    done = helm(
        p,
        "qa",
        "upgrade",
        "--install",
        RELEASE,
        str(EXAMPLE / "charts" / "delivery"),
        "--wait",
        "--timeout",
        "3m",
        "--set-string",
        f"dockerregistry={realnode.registry(p).address},image.tag={realnode.DELIVERY_TAG}",
        "--set",
        "service.type=NodePort",
        "--set-string",
        "reason=real node test",
    )
    assert done.returncode == 0, done.stderr + str(explain_rollout("qa", RELEASE, p).text())
    yield RELEASE
    helm(p, "qa", "uninstall", RELEASE, "--wait")


def test_the_service_answers_from_the_host_through_its_node_port(
    shipyard_platform: Platform, delivery: str
) -> None:
    p = shipyard_platform
    port = kubectl(p, "qa", "get", "service", delivery, "-o", "jsonpath={.spec.ports[0].nodePort}")
    assert port.returncode == 0, port.stderr
    url = f"http://{realnode.node_address(p)}:{port.stdout}/health"
    answer = json.loads(realnode.http_get(url))
    # (not the version: buildah 1.28's layer cache keeps the APP_VERSION of an earlier build)
    assert answer["status"] == "ok" and answer["service"] == "delivery"
    logs = kubectl(p, "qa", "logs", f"deployment/{delivery}")
    assert logs.returncode == 0, logs.stderr
    assert '"message":"listening"' in logs.stdout.replace(" ", "")
    assert "GET /health 200" in logs.stdout


def test_another_pod_reaches_it_by_name_and_the_api_through_kubernetes_default(
    shipyard_platform: Platform, delivery: str
) -> None:
    p = shipyard_platform
    script = SCRIPT.replace("SERVICE", delivery)
    image = f"{realnode.registry(p).address}/base/python:3.11-bookworm"
    manifest = CLIENT.replace("IMAGE", image).replace('"SCRIPT"', json.dumps(script))
    applied = kubectl(p, "qa", "apply", "-f", "-", stdin=manifest)
    assert applied.returncode == 0, applied.stderr
    try:
        ready = kubectl(p, "qa", "rollout", "status", "deployment/dns-client", "--timeout=120s")
        assert ready.returncode == 0, ready.stderr + explain_rollout("qa", "dns-client", p).text()
        out = ""
        for _ in range(60):  # the script prints within a second of starting
            out = kubectl(p, "qa", "logs", "deployment/dns-client").stdout
            if out.count("api ") == 2:
                break
            subprocess.run(["sleep", "0.5"], check=True)
        assert "resolved 10.0." in out, out
        assert '"service":"delivery"' in out.replace(" ", ""), out
        assert "api kubernetes.default.svc v1.37.2" in out
        assert "api 10.0.0.1 v1.37.2" in out
    finally:
        kubectl(p, "qa", "delete", "deployment", "dns-client", "--wait=false")


def test_a_rollout_stops_the_old_pod_with_sigterm_and_probes_are_set(
    shipyard_platform: Platform, delivery: str
) -> None:
    p = shipyard_platform
    spec = json.loads(kubectl(p, "qa", "get", "deployment", delivery, "-o", "json").stdout)
    container = spec["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    pod = kubectl(
        p,
        "qa",
        "get",
        "pods",
        "-l",
        f"app.kubernetes.io/instance={delivery}",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ).stdout
    follow = subprocess.Popen(
        [
            str(realnode.binary("kubectl", p)),
            *realnode.environment("qa", p).kubectl_args(),
            "logs",
            "-f",
            pod,
        ],
        env=realnode.os.environ | p.tool_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # A rollout replaces the pod: the kubelet stops the old one with SIGTERM.
        restarted = kubectl(p, "qa", "rollout", "restart", f"deployment/{delivery}")
        assert restarted.returncode == 0, restarted.stderr
        out, _ = follow.communicate(timeout=90)
    finally:
        follow.kill()
    # The service drained and exited by itself on SIGTERM (no SIGKILL after the grace period).
    assert '"signal":"SIGTERM"' in out.replace(" ", ""), out[-2000:]
    assert '"message":"stopped"' in out.replace(" ", ""), out[-2000:]
    back = kubectl(p, "qa", "rollout", "status", f"deployment/{delivery}", "--timeout=120s")
    assert back.returncode == 0, back.stderr


@pytest.fixture
def broken_chart(tmp_path: Path) -> Path:
    chart = tmp_path / "delivery"
    shutil.copytree(EXAMPLE / "charts" / "delivery", chart)
    template = chart / "templates" / "deployment.yaml"
    text = template.read_text()
    probe = "\n".join(
        [
            "readinessProbe:",
            "            httpGet:",
            "              path: /health",
            "              port: http",
        ]
    )
    assert probe in text
    template.write_text(text.replace(probe, probe.replace("port: http", "port: 9999")))
    return chart


def test_a_readiness_probe_on_a_wrong_port_fails_the_deploy_and_is_named(
    shipyard_platform: Platform, broken_chart: Path
) -> None:
    p = shipyard_platform
    realnode.real_node(p)
    realnode.build_delivery(p)
    try:
        done = helm(
            p,
            "qa",
            "upgrade",
            "--install",
            BROKEN,
            str(broken_chart),
            "--wait",
            "--timeout",
            "40s",
            "--set-string",
            f"dockerregistry={realnode.registry(p).address},image.tag={realnode.DELIVERY_TAG}",
        )
        assert done.returncode != 0, "a probe that cannot pass must fail the deploy"
        report = explain_rollout("qa", BROKEN, p)
        text = report.text()
        assert not report.complete
        assert f"deployment qa/{BROKEN}: 0 of 1 pod(s) ready" in text
        assert f"pod {BROKEN}-" in text
        assert "container fabrikam-delivery runs, but its readiness probe" in text
        assert "(http-get :9999/health)" in text
        assert "connection refused" in text
    finally:
        helm(p, "qa", "uninstall", BROKEN, "--wait")
