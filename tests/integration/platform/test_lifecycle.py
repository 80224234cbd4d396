"""A second platform, isolated in temporary directories and ports: up, up again, down, purge.

It shares the tool cache (nothing is rebuilt), not the running platform of the test session,
so stopping it cannot disturb other tests.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.integration.platform.conftest import Instance

pytestmark = [pytest.mark.integration, pytest.mark.platform]


def test_up_twice_then_down_leaves_nothing_running(instance: Instance) -> None:
    first = instance.cli("up", "--output", "json", check=True)
    report = json.loads(first.stdout)
    assert not any(
        s["step"].startswith(("kubernetes", "helm", "kwok"))
        for s in report["steps"]
        if s["outcome"] == "done"
    ), "tools must come from the cache"
    status = instance.status()
    assert status["running"] is True
    assert status["registry"]["state"] == "running"
    assert [c["state"] for c in status["clusters"]] == ["running", "running"]
    assert all(e["healthy"] for e in status["environments"])

    again = json.loads(instance.cli("up", "--output", "json", check=True).stdout)
    assert again["changed"] == []

    down = instance.cli("down", check=True)
    assert "stopped: cluster devtest, cluster prod, registry" in down.stdout
    after = instance.status()
    assert after["running"] is False
    assert after["processes"] == []
    assert instance.own_processes() == []
    text = instance.cli("status").stdout
    assert "No Shipyard process is running." in text

    restarted = json.loads(instance.cli("up", "--output", "json", check=True).stdout)
    assert all("built in" not in s["detail"] for s in restarted["steps"])
    purge = instance.cli("down", "--purge", check=True)
    assert "removed:" in purge.stdout
    assert not (instance.root / "data" / "shipyard" / "platform").exists()
    assert instance.own_processes() == []


def test_a_half_started_cluster_is_repaired(instance: Instance) -> None:
    instance.cli("up", check=True)
    pids = instance.status()["clusters"][0]["pids"]
    os.kill(pids["kube-apiserver"], signal.SIGKILL)  # a crash takes the API server down
    degraded = instance.status()["clusters"][0]
    assert degraded["state"] == "degraded"
    assert "kube-apiserver" in degraded["detail"]
    done = instance.cli("up", check=True)
    assert "half started" in done.stderr
    assert instance.status()["clusters"][0]["state"] == "running"


def test_the_stale_pid_record_of_a_reused_pid_is_not_trusted(instance: Instance) -> None:
    import subprocess

    bystander = subprocess.Popen(["sleep", "300"])
    try:
        run_dir = instance.root / "state" / "shipyard" / "platform" / "run"
        run_dir.mkdir(parents=True)
        (run_dir / "registry.json").write_text(
            json.dumps(
                {
                    "component": "registry",
                    "pid": bystander.pid,
                    "start_ticks": 1,
                    "argv": ["docker-registry", "serve"],
                    "started": "2026-01-01T00:00:00+00:00",
                }
            )
        )
        done = instance.cli("up", check=True)
        assert "stale registry PID record" in done.stderr
        assert bystander.poll() is None, "the bystander must not be signalled"
        assert instance.status()["registry"]["state"] == "running"
    finally:
        bystander.kill()
        bystander.wait()


def test_a_port_taken_by_another_program_is_named(instance: Instance) -> None:
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", instance.registry_port))
        held.listen()
        done = instance.cli("up")
    assert done.returncode == 4
    assert f"registry: 127.0.0.1:{instance.registry_port} is taken by pid {os.getpid()}" in (
        done.stderr
    )
    assert "registry.port" in done.stderr and "retry with: shipyard platform up" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_cluster_port_taken_by_another_program_is_named(instance: Instance) -> None:
    import socket

    etcd_port = instance.devtest_port + 1
    with socket.socket() as held:
        held.bind(("127.0.0.1", etcd_port))
        held.listen()
        done = instance.cli("up")
    assert done.returncode == 4
    assert f"cluster devtest: 127.0.0.1:{etcd_port} (etcd) is taken by pid {os.getpid()}" in (
        done.stderr
    )
    assert "clusters.devtest_port" in done.stderr


def _shadow_cache(instance: Instance, broken: str) -> Path:
    """A tool cache of symlinks to the real one, with ``broken``'s binary replaced."""
    real = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "shipyard" / "tools"
    cache = instance.root / "cache"
    tools = cache / "shipyard" / "tools"
    for tool_dir in real.glob("*/*"):
        target = tools / tool_dir.parent.name / tool_dir.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if tool_dir.parent.name == broken:
            target.mkdir()
            for f in tool_dir.iterdir():
                (target / f.name).symlink_to(f)
        else:
            target.symlink_to(tool_dir)
    instance.env["XDG_CACHE_HOME"] = str(cache)
    return next((tools / broken).iterdir())


def test_a_broken_binary_is_reported_and_rebuilt(instance: Instance) -> None:
    tool_dir = _shadow_cache(instance, "kubectl")
    exe = tool_dir / "kubectl"
    exe.unlink()
    exe.write_bytes(b"\x7fELF\x02garbage")  # truncated: the kernel refuses to run it
    exe.chmod(0o755)
    (tools,) = [instance.status()["tools"]]
    kubectl = next(t for t in tools if t["name"] == "kubectl")
    assert kubectl["state"] == "broken"
    assert "Exec format error" in kubectl["detail"]

    done = instance.cli("install", "kubectl", check=True)
    assert "broken" in done.stderr and "installing it again" in done.stderr
    kubectl = next(t for t in instance.status()["tools"] if t["name"] == "kubectl")
    assert kubectl["state"] == "ok"


def test_a_missing_binary_is_reported(instance: Instance) -> None:
    tool_dir = _shadow_cache(instance, "helm")
    (tool_dir / "helm").unlink()
    helm = next(t for t in instance.status()["tools"] if t["name"] == "helm")
    assert (helm["state"], helm["detail"]) == ("missing", "no helm")
