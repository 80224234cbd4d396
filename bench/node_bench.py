"""The real node: how long it takes to be Ready, how long a pod takes, what it cost to build.

Warm start: the tools are built, the clusters run, containerd already holds the images. The
benchmark stops the real node (host restored, as ``down`` does), then runs ``up`` and reads
how long the node's step took (containerd, kubelet until the node is Ready, kube-proxy,
CoreDNS until ready) and the whole ``up``. Then it applies a small Deployment (a Python HTTP
server with a readiness probe) in ``dev`` several times and measures apply -> Ready, with the
image already on the node and once after removing it from the node (a pull from the
embedded registry). Last, the cold build time of each node tool, as recorded in the tool
cache when it was built: the cost this feature adds to a first ``up``.

Run: ``python bench/node_bench.py [--runs N]``. Needs root (it runs a real node).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from shipyard.platform import Platform, Recorder, binary, environment, lifecycle, registry
from shipyard.platform.catalog import tool
from shipyard.platform.gobuild import read_manifest
from shipyard.platform.node.service import NODE_TOOLS

WORKLOAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: bench-web}
spec:
  replicas: 1
  selector: {matchLabels: {app: bench-web}}
  template:
    metadata: {labels: {app: bench-web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: IMAGE
          command: ["python3", "-m", "http.server", "8080"]
          readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
"""


def _kubectl(p: Platform, *args: str, stdin: str | None = None) -> str:
    argv = [str(binary("kubectl", p)), *environment("dev", p).kubectl_args(), *args]
    done = subprocess.run(
        argv, input=stdin, capture_output=True, text=True, env=os.environ | p.tool_env()
    )
    if done.returncode != 0:
        raise SystemExit(f"kubectl {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def _fresh(p: Platform) -> Platform:
    return Platform(p.paths, p.settings, p.adapters, Recorder())


def _warm_node_start(p: Platform) -> tuple[float, float]:
    """(seconds of the node step, seconds of the whole up) after stopping the node."""
    lifecycle.real_node(p).stop()
    run = _fresh(p)
    started = time.monotonic()
    lifecycle.up(run)
    total = time.monotonic() - started
    assert isinstance(run.progress, Recorder)
    step = next(s for s in run.progress.steps if s.title.startswith("real node"))
    if step.outcome != "done":
        raise SystemExit(f"the real node did not start: {run.progress.messages}")
    return step.seconds, total


def _pod_ready(p: Platform, image: str) -> float:
    """Seconds from `kubectl apply` to the pod Ready (the probe passed on the real node)."""
    _kubectl(p, "delete", "deployment", "bench-web", "--ignore-not-found", "--wait=true")
    started = time.monotonic()
    _kubectl(p, "apply", "-f", "-", stdin=WORKLOAD.replace("IMAGE", image))
    _kubectl(p, "rollout", "status", "deployment/bench-web", "--timeout=180s")
    return time.monotonic() - started


def _forget_image(p: Platform, image: str) -> None:
    node = lifecycle.real_node(p)
    crictl = binary("crictl", p)
    subprocess.run(
        [str(crictl), "--config", str(node.layout.crictl_config), "rmi", image],
        capture_output=True,
        check=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("node bench: skipped (a real node needs root)")
        return 0
    p = Platform.load(progress=Recorder())
    lifecycle.up(p)
    if lifecycle.real_node(p).status().state != "running":
        print(f"node bench: skipped (no real node: {lifecycle.real_node(p).status().detail})")
        return 0

    starts = [_warm_node_start(p) for _ in range(args.runs)]
    node = [s for s, _ in starts]
    ups = [t for _, t in starts]
    print(
        f"real node Ready (containerd, kubelet, kube-proxy, CoreDNS), warm: median "
        f"{statistics.median(node):.1f} s (min {min(node):.1f}, max {max(node):.1f}); "
        f"whole `up` {statistics.median(ups):.1f} s"
    )

    image = f"{registry(p).address}/base/python:3.11-bookworm"
    _pod_ready(p, image)  # the node has the image from here on
    pods = [_pod_ready(p, image) for _ in range(args.runs)]
    print(
        f"pod Ready after apply, image on the node: median {statistics.median(pods):.1f} s "
        f"(min {min(pods):.1f}, max {max(pods):.1f})"
    )
    _kubectl(p, "delete", "deployment", "bench-web", "--wait=true")
    _forget_image(p, image)
    print(f"pod Ready after apply, image pulled from the registry: {_pod_ready(p, image):.1f} s")
    _kubectl(p, "delete", "deployment", "bench-web", "--wait=false")

    print("cold builds this node adds to a first `up` (from the tool cache's records):")
    total = 0.0
    for name in NODE_TOOLS:
        t = tool(name)
        if t.is_apt:
            continue
        manifest = read_manifest(p.paths.tool_dir(t.name, t.version)) or {}
        seconds = float(str(manifest.get("seconds", 0)))
        total += seconds
        print(
            f"  {t.name:<11} {t.version:<8} {seconds:>6.0f} s  built {manifest.get('built', '?')}"
        )
    print(f"  total       {total / 60:>10.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
