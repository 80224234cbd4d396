"""A served repository with two services, for pull request tests: real git, real app.

``delivery/`` and ``ingestion/`` each have a pipeline whose PR trigger is path-filtered to
its folder, in a bare repository served as ``fabrikam``; a work tree pushes to it. Runs are
made by the engine of a :class:`~tests.unit.run.harness.Harness` reading the real repository
(steps are played, not executed), so a test drives them with ``world.drive()``.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from shipyard.adapters.git import GitCli
from shipyard.adapters.gitwrite import GitWorkspace
from shipyard.domain.branch_policy import BranchPolicy
from shipyard.server.app import create_app
from shipyard.server.context import ServerContext
from shipyard.server.pulls import PullRequestService
from tests.unit.run.harness import Harness

REPO = "fabrikam"


def pipeline(folder: str) -> str:
    return f"""\
trigger:
  branches:
    include: [main]
  paths:
    include: [{folder}/*]
pr:
  branches:
    include: [main]
  paths:
    include: [{folder}/*]
steps:
- script: echo building {folder}
  displayName: Build {folder}
"""


@dataclass
class World:
    h: Harness
    bare: Path
    work: GitWorkspace
    app: FastAPI

    @property
    def pulls(self) -> PullRequestService:
        service: PullRequestService = self.app.state.pulls
        return service

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.work.path), *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def bare_git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "--git-dir", str(self.bare), *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def push(self, branch: str, files: dict[str, str], message: str = "change") -> str:
        """Commit ``files`` on ``branch`` (made from main when new) and push it."""
        known = self.git("branch", "--list", branch)
        self.git("checkout", "--quiet", *(() if known else ("-b",)), branch)
        for rel, text in files.items():
            self.work.write(rel, text)
        sha = self.work.commit_all(message)
        self.git("push", "--quiet", "origin", branch)
        self.git("checkout", "--quiet", "main")
        self.pulls.on_push(REPO, f"refs/heads/{branch}")
        return sha

    def fetch_main(self) -> None:
        self.git("pull", "--quiet", "origin", "main")

    def drive(self) -> None:
        self.h.drive()


def make_world(tmp: Path, policies: tuple[BranchPolicy, ...] = ()) -> World:
    bare = tmp / "fabrikam.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)],
                   check=True)  # fmt: skip
    work = GitWorkspace.create(tmp / "work")
    for folder in ("delivery", "ingestion"):
        work.write(f"{folder}/azure-pipelines.yml", pipeline(folder))
        work.write(f"{folder}/app.py", "print('hi')\n")
    work.commit_all("two services")
    subprocess.run(["git", "-C", str(work.path), "remote", "add", "origin", str(bare)], check=True)
    subprocess.run(["git", "-C", str(work.path), "push", "--quiet", "origin", "main"], check=True)
    h = Harness.create(tmp / "h", git_for=lambda repo: GitCli(Path(repo)))
    ctx = ServerContext(
        submit=h.submit_request, repositories=lambda: {REPO: bare}, policies=policies
    )
    app = create_app(h.store, {}, 1 << 16, ctx=ctx)
    return World(h, bare, work, app)


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, for browsers and HTTP clients."""
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}"
    finally:
        srv.should_exit = True
        thread.join(5)


def json_of(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()
