"""Deploying through the environment contexts: rollouts, history, Pod Security, RBAC.

These drive the real helm and kubectl against the real API servers of the embedded clusters,
with the least-privilege contexts of Shipyard's kubeconfig, as the deploy stage will.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from shipyard.platform import Platform, binary, environment, registry

pytestmark = [pytest.mark.integration, pytest.mark.platform]

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: hello\nversion: 0.1.0\nappVersion: v1\n",
    "values.yaml": 'image: ""\nchangeCause: ""\nversion: v1\n',
    "templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  annotations:
    kubernetes.io/change-cause: {{ .Values.changeCause | quote }}
spec:
  replicas: 2
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
      annotations:
        app.kubernetes.io/version: {{ .Values.version | quote }}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {type: RuntimeDefault}
      terminationGracePeriodSeconds: 2
      containers:
        - name: hello
          image: {{ .Values.image | quote }}
          # devtest's pods really run (a real node): serve something, and say when ready
          command: ["python3", "-m", "http.server", "8080"]
          ports: [{containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /, port: 8080}
            periodSeconds: 1
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
""",
    "templates/service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  selector: {app: hello}
  ports: [{port: 80, targetPort: 8080}]
""",
}

ROOT_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: runs-as-root
spec:
  containers:
    - name: c
      image: {image}
      securityContext: {{runAsUser: 0}}
"""


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chart")
    for name, text in CHART.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _run(
    p: Platform, argv: list[str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = os.environ | p.tool_env()
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, input=stdin, timeout=300, check=False
    )


def _helm(p: Platform, env_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(p, [str(binary("helm", p)), *args, *environment(env_name, p).helm_args()])


def _kubectl(
    p: Platform, env_name: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return _run(
        p, [str(binary("kubectl", p)), *environment(env_name, p).kubectl_args(), *args], stdin
    )


@pytest.mark.parametrize("env_name", ["qa", "production"])
def test_helm_rolls_out_and_history_keeps_the_change_cause(
    shipyard_platform: Platform, chart: Path, env_name: str
) -> None:
    p = shipyard_platform
    image = f"{registry(p).address}/base/python:3.11-bookworm"
    for version in ("v1", "v2"):
        done = _helm(
            p,
            env_name,
            "upgrade",
            "--install",
            "hello",
            str(chart),
            "--wait",
            "--timeout",
            "3m",
            "--set-string",
            f"image={image},version={version}",
            "--set-string",
            f"changeCause=deploy {version} to {env_name}",
        )
        assert done.returncode == 0, done.stderr
    status = _kubectl(p, env_name, "rollout", "status", "deployment/hello", "--timeout=60s")
    assert status.returncode == 0 and "successfully rolled out" in status.stdout
    history = _kubectl(p, env_name, "rollout", "history", "deployment/hello")
    assert history.returncode == 0, history.stderr
    assert f"deploy v1 to {env_name}" in history.stdout
    assert f"deploy v2 to {env_name}" in history.stdout
    ready = _kubectl(
        p, env_name, "get", "deployment/hello", "-o", "jsonpath={.status.readyReplicas}"
    )
    assert ready.stdout == "2"


def test_the_api_server_refuses_a_root_pod_in_production(shipyard_platform: Platform) -> None:
    p = shipyard_platform
    image = f"{registry(p).address}/base/python:3.11-bookworm"
    kubectl = str(binary("kubectl", p))
    admin = ["--kubeconfig", str(p.paths.admin_kubeconfig), "--context", "admin@prod"]
    done = _run(
        p, [kubectl, *admin, "-n", "production", "apply", "-f", "-"], ROOT_POD.format(image=image)
    )
    assert done.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in done.stderr
    assert "runAsNonRoot" in done.stderr


def test_the_qa_identity_cannot_write_into_production(shipyard_platform: Platform) -> None:
    p = shipyard_platform
    done = _kubectl(p, "qa", "--namespace", "production", "create", "configmap", "intruder")
    assert done.returncode != 0
    assert "forbidden" in done.stderr
    assert "system:serviceaccount:qa:shipyard-deployer" in done.stderr
    assert 'in the namespace "production"' in done.stderr
    can = _kubectl(p, "qa", "auth", "can-i", "create", "deployments", "--namespace", "production")
    assert can.stdout.strip() == "no"
    own = _kubectl(p, "qa", "auth", "can-i", "create", "deployments")
    assert own.stdout.strip() == "yes"


def test_environment_contexts_are_not_cluster_admin(shipyard_platform: Platform) -> None:
    p = shipyard_platform
    for env_name in ("dev", "qa", "staging", "production"):
        nodes = _kubectl(p, env_name, "get", "nodes")
        assert nodes.returncode != 0 and "forbidden" in nodes.stderr
