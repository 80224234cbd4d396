"""Authorization: every route of the app against every role.

The expected permission of each route is written down here, not read from the code, so that
weakening a route (or adding one without a permission) fails this test. Each route is then
called with a token of each role: below its permission it must answer 403 (401 without a
token), at or above it anything but 401/403.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from shipyard.deliver.approvals import Question
from shipyard.domain.access import Permission, Role, allows
from shipyard.server.app import create_app
from shipyard.server.auth import PUBLIC, permission_of
from shipyard.server.context import ServerContext
from shipyard.store.access import Access, digest
from tests.unit.run.harness import Harness
from tests.unit.server.tokens import auth

R, T, C, A, M, D = (
    Permission.READ,
    Permission.TRIGGER,
    Permission.CONTRIBUTE,
    Permission.APPROVE,
    Permission.RELEASE,
    Permission.ADMINISTER,
)
EXPECTED: dict[tuple[str, str], Permission] = {
    ("GET", "/api/runs"): R,
    ("POST", "/api/runs"): T,
    ("GET", "/api/runs/{run_id}"): R,
    ("GET", "/api/runs/{run_id}/logs"): R,
    ("GET", "/api/runs/{run_id}/events"): R,
    ("GET", "/api/runs/{run_id}/logs/stream"): R,
    ("POST", "/api/runs/{run_id}/approve"): A,
    ("POST", "/api/runs/{run_id}/reject"): A,
    ("GET", "/api/webhooks"): R,
    ("GET", "/api/pipelines"): R,
    ("GET", "/api/runs/{run_id}/tests"): R,
    ("GET", "/api/runs/{run_id}/build-record"): R,
    ("GET", "/api/me"): R,
    ("GET", "/api/tokens"): D,
    ("POST", "/api/tokens"): D,
    ("DELETE", "/api/tokens/{token_id}"): D,
    ("GET", "/api/audit"): M,
    ("GET", "/api/approvals"): R,
    ("GET", "/api/environments"): R,
    ("GET", "/api/deployments"): R,
    ("GET", "/api/pulls"): R,
    ("POST", "/api/pulls"): C,
    ("GET", "/api/pulls/{pr_id}"): R,
    ("POST", "/api/pulls/{pr_id}/votes"): C,
    ("POST", "/api/pulls/{pr_id}/complete"): C,
    ("POST", "/api/pulls/{pr_id}/abandon"): C,
    ("GET", "/"): R,
    ("GET", "/runs"): R,
    ("GET", "/runs/{run_id}"): R,
    ("GET", "/pulls"): R,
    ("GET", "/pulls/new"): R,
    ("POST", "/pulls"): C,
    ("GET", "/pulls/{pr_id}"): R,
    ("POST", "/pulls/{pr_id}/vote"): C,
    ("POST", "/pulls/{pr_id}/complete"): C,
    ("GET", "/approvals"): R,
    ("POST", "/approvals/{run_id}/approve"): A,
    ("POST", "/approvals/{run_id}/reject"): A,
    ("GET", "/environments"): R,
    ("GET", "/services/{service}"): R,
    ("GET", "/dora"): R,
}


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness.create(tmp_path)


def routes(app: object) -> dict[tuple[str, str], APIRoute]:
    found = {}
    for route in app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.path not in PUBLIC:
            for method in route.methods:
                found[(method, route.path)] = route
    return found


def test_every_route_declares_the_permission_written_here(harness: Harness) -> None:
    app = create_app(harness.store, {}, 1 << 16)
    declared = {key: permission_of(route) for key, route in routes(app).items()}
    assert declared == EXPECTED


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_exactly_below_each_routes_permission(
    harness: Harness, role: Role
) -> None:
    ran: list[object] = []
    ctx = ServerContext(submit=lambda r: ran.append(r) or None)  # type: ignore[func-returns-value]
    app = create_app(harness.store, {}, 1 << 16, ctx=ctx)
    client = TestClient(app, follow_redirects=False)
    headers = auth(harness.store, role, f"user-{role.label}")
    for (method, path), permission in EXPECTED.items():
        url = re.sub(r"\{[^}]+\}", "999", path)
        got = client.request(method, url, headers=headers, json={})
        if allows(role, permission):
            assert got.status_code not in (401, 403), (role, method, path, got.text)
        else:
            assert got.status_code == 403, (role, method, path, got.status_code)
            assert permission.value in got.json()["detail"]
    assert ran == []


def test_no_token_or_a_revoked_one_is_401_and_pages_send_browsers_to_sign_in(
    harness: Harness,
) -> None:
    app = create_app(harness.store, {}, 1 << 16)
    client = TestClient(app, follow_redirects=False)
    for (method, path), _permission in EXPECTED.items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        got = client.request(method, url, json={})
        if path.startswith("/api/"):
            assert got.status_code == 401, (method, path)
        else:
            assert got.status_code == 303 and got.headers["location"].startswith("/login?next=")
    access = Access(harness.store.engine)
    token_id, token = access.create_token("gone", Role.ADMIN)
    access.revoke(token_id)
    got = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 401 and "revoked" in got.json()["detail"]
    assert client.get("/api/health").status_code == 200


def test_tokens_are_stored_as_digests_and_shown_once(harness: Harness) -> None:
    app = create_app(harness.store, {}, 1 << 16)
    client = TestClient(app)
    admin = auth(harness.store, Role.ADMIN, "ada")
    made = client.post("/api/tokens", headers=admin, json={"user": "vic", "role": "viewer"})
    assert made.status_code == 201
    token = made.json()["token"]
    listed = client.get("/api/tokens", headers=admin).text
    assert token not in listed
    with harness.store.engine.connect() as conn:
        dump = "\n".join(" ".join(map(str, row)) for row in conn.exec_driver_sql(
            "select * from api_tokens"))  # fmt: skip
    assert token not in dump and digest(token) in dump
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"user": "vic", "role": "viewer"}
    bad = client.post("/api/tokens", headers=admin, json={"user": "x", "role": "boss"})
    assert bad.status_code == 422 and "unknown role" in bad.text


def pending_approval(h: Harness, environment: str, approvers: tuple[str, ...]) -> int:
    run = h.run("steps:\n- script: echo release\n")
    q = Question(environment, "delivery", "1.0.2", "rita", "img", "sha256:" + "a" * 64, "c",
                 "sha256:" + "b" * 64, time.time() + 3600, approvers)  # fmt: skip
    h.store.create_decision(run.id, "Release", "Deploy", "approval", q.title(), q.as_data())
    return run.id


def test_an_approver_of_qa_cannot_approve_production_and_a_viewer_cannot_at_all(
    harness: Harness,
) -> None:
    carried: list[int] = []
    app = create_app(harness.store, {}, 1 << 16, ctx=ServerContext(carry_on=carried.append))
    client = TestClient(app)
    run_id = pending_approval(harness, "production", ("pat",))
    quinn = auth(harness.store, Role.APPROVER, "quinn")  # an approver, but of qa only
    refused = client.post(f"/api/runs/{run_id}/approve", headers=quinn, json={})
    assert refused.status_code == 409
    assert "quinn is not an approver of production" in refused.json()["detail"]
    viewer = auth(harness.store, Role.VIEWER, "pat")  # named, but only a viewer
    assert client.post(f"/api/runs/{run_id}/approve", headers=viewer, json={}).status_code == 403
    pat = auth(harness.store, Role.APPROVER, "pat")
    done = client.post(f"/api/runs/{run_id}/approve", headers=pat, json={"comment": "ok"})
    assert done.status_code == 200 and done.json()["approved"] is True
    assert carried == [run_id]
    log = Access(harness.store.engine).audit_log()
    assert [(e.actor, e.action) for e in log[:2]] == [
        ("pat", "approval.approve"),
        ("quinn", "approval.refused"),
    ]
