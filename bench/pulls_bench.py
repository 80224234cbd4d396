"""Pull requests and authorization: what a reviewer waits for, and what a token costs.

In one process over a SQLite store and a real git repository with 20 services, each with
a path-filtered pipeline: the time to open a pull request (merge made with ``git
merge-tree``, the PR trigger planned for every pipeline) and to read it with every policy
check evaluated (``GET /api/pulls/{id}``, which plans again), and an authenticated request
(``GET /api/me``: token digest looked up) against the unauthenticated ``/api/health``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from shipyard.domain.access import Role
from shipyard.server.app import create_app
from shipyard.server.context import ServerContext
from shipyard.store import StoreConfig, open_store
from shipyard.store.access import Access

SERVICES = 20
ROUNDS = int(os.environ.get("ROUNDS", "30"))
ENV = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x.invalid",
           GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x.invalid")  # fmt: skip


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=ENV, capture_output=True, check=True)


def pipeline(folder: str) -> str:
    return (
        f"trigger:\n  paths:\n    include: [{folder}/*]\npr:\n  branches:\n    include: [main]\n"
        f"  paths:\n    include: [{folder}/*]\nsteps:\n- script: echo {folder}\n"
    )


def ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms, worst {max(samples) * 1000:.1f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bare, work = root / "repo.git", root / "work"
        git(root, "init", "-q", "--bare", "-b", "main", str(bare))
        work.mkdir()
        git(work, "init", "-q", "-b", "main")
        for i in range(SERVICES):
            (work / f"svc{i}").mkdir()
            (work / f"svc{i}" / "azure-pipelines.yml").write_text(pipeline(f"svc{i}"))
            (work / f"svc{i}" / "app.py").write_text("x\n")
        git(work, "add", "-A")
        git(work, "commit", "-qm", "services")
        git(work, "remote", "add", "origin", str(bare))
        git(work, "push", "-q", "origin", "main")
        store = open_store(StoreConfig(f"sqlite:///{root / 'db'}", root / "a", root / "k"))
        ctx = ServerContext(submit=lambda _r: None, repositories=lambda: {"repo": bare})
        client = TestClient(create_app(store, {}, 1 << 16, ctx=ctx))
        _id, token = Access(store.engine).create_token("rita", Role.CONTRIBUTOR)
        auth = {"Authorization": f"Bearer {token}"}
        opened, read = [], []
        for n in range(ROUNDS):
            branch = f"feature/{n}"
            git(work, "checkout", "-q", "-b", branch, "main")
            (work / "svc3" / "app.py").write_text(f"{n}\n")
            git(work, "commit", "-qam", f"change {n}")
            git(work, "push", "-q", "origin", branch)
            start = time.perf_counter()
            made = client.post(
                "/api/pulls",
                headers=auth,
                json={"repository": "repo", "source": branch, "target": "main", "title": f"{n}"},
            )
            opened.append(time.perf_counter() - start)
            assert made.status_code == 201, made.text
            start = time.perf_counter()
            assert client.get(f"/api/pulls/{made.json()['id']}", headers=auth).status_code == 200
            read.append(time.perf_counter() - start)
        health, me = [], []
        for _ in range(200):
            start = time.perf_counter()
            client.get("/api/health")
            health.append(time.perf_counter() - start)
            start = time.perf_counter()
            client.get("/api/me", headers=auth)
            me.append(time.perf_counter() - start)
        print(f"open a pull request ({SERVICES} pipelines planned, merge made): {ms(opened)}")
        print(f"read it with every policy check:                      {ms(read)}")
        print(f"authenticated GET /api/me: {ms(me)}; /api/health without a token: {ms(health)}")


if __name__ == "__main__":
    main()
