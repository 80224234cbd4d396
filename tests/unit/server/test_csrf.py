"""Cookie-signed browser requests from another origin are refused; odd ids are 404s."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from shipyard.domain.access import Role
from shipyard.server.app import create_app
from shipyard.server.auth import COOKIE
from tests.unit.run.harness import Harness
from tests.unit.server.tokens import auth, token


def test_a_cross_site_post_with_the_cookie_is_refused_and_a_same_origin_one_is_not(
    tmp_path: Path,
) -> None:
    h = Harness.create(tmp_path)
    c = TestClient(create_app(h.store, {}, 1 << 16), follow_redirects=False)
    c.cookies.set(COOKIE, token(h.store, Role.ADMIN, "ada"))
    body = {"repository": "x", "source": "a", "target": "main", "title": "t"}
    evil = c.post("/api/pulls", json=body, headers={"Origin": "http://127.0.0.1:9999"})
    assert evil.status_code == 403 and "cross-site" in evil.json()["detail"]
    sibling = c.post("/api/pulls", json=body, headers={"Sec-Fetch-Site": "same-site"})
    assert sibling.status_code == 403
    same = c.post("/api/pulls", json=body, headers={"Origin": "http://testserver"})
    assert same.status_code == 404  # past the check: the repository is not served
    login = c.post("/login", content=b"token=x", headers={"Origin": "http://evil.example"})
    assert login.status_code == 403


def test_ids_past_64_bits_and_a_nan_window_are_answered_not_crashed(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    c = TestClient(create_app(h.store, {}, 1 << 16), headers=auth(h.store, Role.ADMIN))
    assert c.get("/api/runs/99999999999999999999999").status_code == 404
    assert c.get("/dora?days=nan").status_code == 200
    bad = c.post("/api/tokens", json={"user": "...", "role": "viewer"})
    assert bad.status_code == 422
