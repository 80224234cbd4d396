"""``shipyard serve`` as a user runs it: a real process, real git, the real engine.

A ``git push`` to a remote made by ``shipyard repo create`` runs the pipeline; a GitHub
webhook acknowledged with 2xx survives the server being killed with -9; a burst of 500
deliveries is answered, each within the providers' 10 s, and every one ends as runs or a
logged reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

pytestmark = pytest.mark.integration

SECRET = "integration-secret"
PIPELINE = """\
trigger:
  branches:
    include: [main, feature/*]
steps:
- script: echo "built $(Build.SourceBranchName)"
  displayName: Say what was built
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Serve:
    env: dict[str, str]
    url: str
    proc: subprocess.Popen[str] | None = None
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        """A viewer's token, made the way a user makes one (``shipyard token create``)."""
        if not self.token:
            made = self.cli("token", "create", "--user", "watcher", "-o", "json")
            assert made.returncode == 0, made.stderr
            self.token = json.loads(made.stdout)["token"]
        return {"Authorization": f"Bearer {self.token}"}

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shipyard", "serve"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            assert self.proc.poll() is None, "shipyard serve exited at start"
            assert time.monotonic() < deadline, "shipyard serve did not answer in 60 s"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shipyard", *args],
            env=self.env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def runs(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = httpx2.get(
            f"{self.url}/api/runs", headers=self.headers, timeout=10
        ).json()
        return data

    def wait_for(self, what: str, check: Any, timeout: float = 120) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            assert time.monotonic() < deadline, f"no {what} in {timeout:.0f} s"
            time.sleep(0.2)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPYARD_")}
    env |= {
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "SHIPYARD_SERVER_PORT": str(port),
        "SHIPYARD_SERVER_GITHUB_SECRET": SECRET,
        "SHIPYARD_WORK_DIR": str(tmp_path / "work"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@example.invalid",
        "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@example.invalid",
    }  # fmt: skip
    s = Serve(env, f"http://127.0.0.1:{port}")
    yield s
    if s.proc is not None:
        s.kill()


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout + done.stderr


def workspace(serve: Serve, tmp_path: Path) -> tuple[Path, Path]:
    made = serve.cli("repo", "create", "fabrikam", "-o", "json")
    assert made.returncode == 0, made.stderr
    remote = Path(json.loads(made.stdout)["path"])
    ws = tmp_path / "ws"
    ws.mkdir()
    git(ws, serve.env, "init", "-q", "-b", "main")
    (ws / "azure-pipelines.yml").write_text(PIPELINE)
    git(ws, serve.env, "add", "-A")
    git(ws, serve.env, "commit", "-q", "-m", "First pipeline")
    git(ws, serve.env, "remote", "add", "shipyard", str(remote))
    return ws, remote


def test_a_git_push_to_the_embedded_remote_runs_the_pipeline(serve: Serve, tmp_path: Path) -> None:
    serve.start()
    ws, _remote = workspace(serve, tmp_path)
    said = git(ws, serve.env, "push", "-q", "shipyard", "main")
    assert "shipyard: refs/heads/main queued as delivery" in said
    run = serve.wait_for(
        "finished run", lambda: [r for r in serve.runs() if r["status"] == "succeeded"]
    )[0]
    assert (run["pipeline"], run["ref"]) == ("root", "refs/heads/main")
    detail = httpx2.get(
        f"{serve.url}/api/runs/{run['id']}", headers=serve.headers, timeout=10
    ).json()
    names = [s["display_name"] for st in detail["stages"] for j in st["jobs"] for s in j["steps"]]
    assert "Say what was built" in names
    lines = httpx2.get(
        f"{serve.url}/api/runs/{run['id']}/logs", headers=serve.headers, timeout=10
    ).json()
    assert any(line["text"] == "built main" for line in lines)


def test_a_push_while_the_server_is_down_runs_when_it_starts(serve: Serve, tmp_path: Path) -> None:
    ws, _remote = workspace(serve, tmp_path)
    git(ws, serve.env, "push", "-q", "shipyard", "main")  # no server: queued in the store
    serve.start()
    serve.wait_for("run", lambda: [r for r in serve.runs() if r["status"] == "succeeded"])


def signed(body: bytes) -> dict[str, str]:
    mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": f"sha256={mac}",
    }


def test_a_delivery_acknowledged_before_a_kill_9_is_not_lost(serve: Serve, tmp_path: Path) -> None:
    ws, remote = workspace(serve, tmp_path)
    git(ws, serve.env, "push", "-q", "shipyard", "main")  # the commit exists in the remote
    serve.start()
    serve.wait_for("first run", lambda: [r for r in serve.runs() if r["status"] == "succeeded"])
    git(ws, serve.env, "switch", "-q", "-c", "feature/x")
    (ws / "x.txt").write_text("x\n")
    git(ws, serve.env, "add", "-A")
    git(ws, serve.env, "commit", "-q", "-m", "x")
    sha = git(ws, serve.env, "rev-parse", "HEAD").strip()
    # the commit reaches the remote by a fetch (no hook runs): only the webhook reports it
    subprocess.run(["git", "--git-dir", str(remote), "fetch", "-q", str(ws), "feature/x:feature/x"],
                   env=serve.env, check=True)  # fmt: skip
    body = json.dumps(
        {"ref": "refs/heads/feature/x", "before": "0" * 40, "after": sha,
         "repository": {"name": "fabrikam"}}
    ).encode()  # fmt: skip
    resp = httpx2.post(f"{serve.url}/hooks/github", content=body, headers=signed(body), timeout=10)
    assert resp.status_code == 202
    serve.kill()  # right after the 2xx
    serve.start()
    serve.wait_for(
        "run of the webhook",
        lambda: [r for r in serve.runs() if r["ref"] == "refs/heads/feature/x"],
    )


def test_a_burst_of_500_deliveries_is_answered_and_each_is_accounted_for(serve: Serve) -> None:
    serve.start()

    def post(i: int) -> int:
        body = json.dumps({"zen": f"ping {i}", "repository": {"name": "fabrikam"}}).encode()
        headers = signed(body) | {"X-GitHub-Event": "ping"}
        # the providers' deadline is 10 s: a slower answer would be a failed delivery
        return httpx2.post(
            f"{serve.url}/hooks/github", content=body, headers=headers, timeout=10
        ).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(post, range(500)))
    assert codes == [202] * 500

    def settled() -> list[dict[str, Any]]:
        got = httpx2.get(
            f"{serve.url}/api/webhooks?limit=1000", headers=serve.headers, timeout=10
        ).json()
        return got if all(d["status"] in ("done", "rejected") for d in got) else []

    found = serve.wait_for("500 settled deliveries", settled)
    assert len(found) == 500
    assert all(d["message"] for d in found)  # each says what became of it
