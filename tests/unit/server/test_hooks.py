"""Webhooks: verified before parsed, capped, deduplicated, stored before the answer, and each
one ends as runs or a logged rejection. The real app under uvicorn on loopback, a real
SQLite store; the repository is in memory (tests/fakes/git.py) and runs are only recorded."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn

from shipyard.domain.access import Role
from shipyard.domain.events import ZERO_SHA
from shipyard.flow.run.spec import RunRequest
from shipyard.server.app import create_app
from shipyard.server.dispatch import Dispatcher
from shipyard.store import StoreConfig, open_store
from shipyard.store.access import Access
from shipyard.store.webhooks import Deliveries
from tests.fakes.git import FakeGit

SECRET = "s3cr3t-hook"
CAP = 64 * 1024
PIPELINE = """\
trigger:
  branches:
    include: [main, feature/*]
steps:
- script: echo hello
"""


@dataclass
class Server:
    url: str
    dispatcher: Dispatcher
    deliveries: Deliveries
    git: FakeGit
    submitted: list[RunRequest] = field(default_factory=list)

    def post(self, provider: str, body: bytes, headers: dict[str, str]) -> httpx2.Response:
        return httpx2.post(f"{self.url}/hooks/{provider}", content=body, headers=headers)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    store = open_store(StoreConfig(f"sqlite:///{tmp_path / 'db'}", tmp_path / "a", tmp_path / "k"))
    git = FakeGit()
    git.commit("main", {"azure-pipelines.yml": PIPELINE, "app.py": "x"})
    deliveries = Deliveries(store.engine)
    submitted: list[RunRequest] = []

    def submit(request: RunRequest) -> int:
        submitted.append(request)
        return len(submitted)

    dispatcher = Dispatcher(deliveries, {"fabrikam": tmp_path}, lambda _p: git, submit)
    app = create_app(store, {"github": SECRET, "gitlab": SECRET, "azure": SECRET}, CAP)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.01)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield Server(f"http://127.0.0.1:{port}", dispatcher, deliveries, git, submitted)
    srv.should_exit = True
    thread.join(5)
    store.engine.dispose()


def github(body: bytes, event: str = "push", secret: str = SECRET) -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": f"sha256={mac}",
        "Content-Type": "application/json",
    }


def push_body(git: FakeGit, branch: str = "feature/x") -> bytes:
    before = git.head("main")
    after = git.commit(branch, {"app.py": "changed"}, parents=(before,))
    payload: dict[str, Any] = {
        "ref": f"refs/heads/{branch}",
        "before": ZERO_SHA,
        "after": after,
        "repository": {"name": "fabrikam", "full_name": "fabrikam/fabrikam"},
        "head_commit": {"message": "A change"},
    }
    return json.dumps(payload).encode()


def test_a_signed_push_is_stored_answered_then_run(server: Server) -> None:
    body = push_body(server.git)
    resp = server.post("github", body, github(body))
    assert resp.status_code == 202 and resp.json()["queued"] is True
    stored = server.deliveries.get(resp.json()["delivery"])
    assert stored is not None and stored.status == "queued"  # stored before the answer
    assert server.dispatcher.drain() == 1
    (request,) = server.submitted
    assert (request.pipeline, request.ref) == ("root", "refs/heads/feature/x")
    done = server.deliveries.get(stored.id)
    assert done is not None and done.status == "done" and done.runs == (1,)


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc"])
def test_a_wrong_or_missing_signature_gets_401_before_the_body_is_parsed(
    server: Server, signature: str
) -> None:
    body = b"this is not even JSON {"
    headers = github(body)
    headers["X-Hub-Signature-256"] = signature
    resp = server.post("github", body, headers)
    assert resp.status_code == 401  # not 400: the body was never read as JSON
    assert server.deliveries.recent() == []


def test_a_signature_made_with_another_secret_is_refused(server: Server) -> None:
    body = push_body(server.git)
    assert server.post("github", body, github(body, secret="guess")).status_code == 401


def test_a_replayed_delivery_runs_once(server: Server) -> None:
    body = push_body(server.git)
    headers = github(body)
    first = server.post("github", body, headers)
    again = server.post("github", body, headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"delivery": first.json()["delivery"], "duplicate": True}
    server.dispatcher.drain()
    assert len(server.submitted) == 1


def test_a_body_over_the_cap_gets_413(server: Server) -> None:
    body = b"{" + b" " * CAP + b"}"
    assert server.post("github", body, github(body)).status_code == 413
    assert server.deliveries.recent() == []


def test_a_ping_and_an_unknown_repository_are_logged_not_run(server: Server) -> None:
    ping = json.dumps({"zen": "hi", "repository": {"name": "fabrikam"}}).encode()
    server.post("github", ping, github(ping, event="ping"))
    other = json.loads(push_body(server.git))
    other["repository"]["name"] = "elsewhere"
    body = json.dumps(other).encode()
    server.post("github", body, github(body))
    server.dispatcher.drain()
    assert server.submitted == []
    newest, oldest = server.deliveries.recent()
    assert (oldest.status, oldest.message) == ("done", "GitHub's ping: nothing to run")
    assert newest.status == "rejected" and "'elsewhere' is not served here" in newest.message


def test_gitlab_and_azure_deliveries_are_verified_their_own_way(server: Server) -> None:
    after = server.git.commit("feature/y", {"app.py": "y"}, parents=(server.git.head("main"),))
    lab = json.dumps(
        {"object_kind": "push", "ref": "refs/heads/feature/y", "before": ZERO_SHA,
         "after": after, "project": {"name": "fabrikam"}}
    ).encode()  # fmt: skip
    assert server.post("gitlab", lab, {"X-Gitlab-Token": "nope"}).status_code == 401
    assert server.post("gitlab", lab, {"X-Gitlab-Token": SECRET}).status_code == 202
    azure = json.dumps(
        {"id": str(uuid.uuid4()), "eventType": "git.push",
         "resource": {"repository": {"name": "fabrikam"},
                      "refUpdates": [{"name": "refs/heads/feature/y", "oldObjectId": ZERO_SHA,
                                      "newObjectId": after}]}}
    ).encode()  # fmt: skip
    basic = "Basic " + base64.b64encode(f"azure:{SECRET}".encode()).decode()
    assert server.post("azure", azure, {"Authorization": "Basic eDp5"}).status_code == 401
    assert server.post("azure", azure, {"Authorization": basic}).status_code == 202
    server.dispatcher.drain()
    assert [r.ref for r in server.submitted] == ["refs/heads/feature/y"] * 2


def test_a_provider_without_a_secret_is_refused(tmp_path: Path) -> None:
    from shipyard.domain.webhooks import verify

    assert not verify("github", "", b"{}", {"X-Hub-Signature-256": "sha256=x"})


def test_the_api_lists_deliveries_and_serves_its_openapi_document(server: Server) -> None:
    body = push_body(server.git)
    server.post("github", body, github(body))
    store = server.deliveries  # the app's store, reached through its engine
    headers = {"Authorization": f"Bearer {Access(store._engine).create_token('v', Role.VIEWER)[1]}"}
    listed = httpx2.get(f"{server.url}/api/webhooks", headers=headers).json()
    assert [d["status"] for d in listed] == ["queued"]
    paths = httpx2.get(f"{server.url}/api/openapi.json").json()["paths"]
    assert {"/hooks/{provider}", "/api/runs", "/api/runs/{run_id}"} <= set(paths)


def test_a_delivery_that_crashes_its_handling_is_rejected_and_the_next_one_still_runs(
    server: Server,
) -> None:
    calls: list[int] = []
    real = server.dispatcher.submit

    def flaky(request: RunRequest) -> int | None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the engine fell over")
        return real(request)

    server.dispatcher.submit = flaky
    for branch in ("feature/a", "feature/b"):
        body = push_body(server.git, branch)
        assert server.post("github", body, github(body)).status_code == 202
    assert server.dispatcher.drain() == 2
    found = sorted(server.deliveries.recent(), key=lambda d: d.id)
    assert [d.status for d in found] == ["rejected", "done"]
    assert "the engine fell over" in found[0].message
