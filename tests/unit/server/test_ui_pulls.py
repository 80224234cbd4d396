"""Pull request pages as HTML (TestClient, no browser): escaped, guarded, saying why not.

The world is a real bare repository with two path-filtered pipelines (pr_world.py); the
pages are checked as a plain HTTP client sees them, so they must be whole without script.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shipyard.domain.access import Role
from shipyard.domain.branch_policy import BranchPolicy
from tests.unit.server.pr_world import REPO, World, make_world
from tests.unit.server.tokens import auth

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PAGES = ("/pulls", "/pulls/new", "/pulls/1", "/approvals", "/environments", "/dora",
         "/services/delivery")  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> World:
    policy = BranchPolicy("main", required_pipelines=("delivery",), min_reviewers=1)
    return make_world(tmp_path, (policy,))


def open_form(c: TestClient, headers: dict[str, str], source: str, title: str) -> int:
    done = c.post(
        "/pulls",
        headers=headers,
        data={"repository": REPO, "source": source, "target": "main", "title": title},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    found = re.fullmatch(r"/pulls/(\d+)", done.headers["location"])
    assert found
    return int(found.group(1))


def test_a_hostile_title_is_escaped_on_the_list_and_the_page(world: World) -> None:
    c = TestClient(world.app)
    rita = auth(world.h.store, Role.CONTRIBUTOR, "rita")
    world.push("feature/x", {"delivery/app.py": "print('x')\n"})
    pr_id = open_form(c, rita, "feature/x", HOSTILE)
    for path in ("/pulls", f"/pulls/{pr_id}"):
        page = c.get(path, headers=rita)
        assert page.status_code == 200, path
        assert HOSTILE not in page.text and ESCAPED in page.text, path
        assert "script-src 'self'" in page.headers["content-security-policy"]


def test_the_page_shows_checks_blocked_and_the_refusal_when_complete_is_pressed(
    world: World,
) -> None:
    c = TestClient(world.app)
    rita = auth(world.h.store, Role.CONTRIBUTOR, "rita")
    world.push("feature/y", {"delivery/app.py": "print('y')\n"})
    pr_id = open_form(c, rita, "feature/y", "Retry")
    page = c.get(f"/pulls/{pr_id}", headers=rita).text
    assert '<span id="mergeable" class="mergeable mergeable-no">blocked</span>' in page
    assert 'data-check="build delivery"' in page and 'data-check="reviewers"' in page
    assert 'href="/runs/' in page and 'id="pr-status">active<' in page
    assert 'id="signed-in"' in page and ">rita<" in page
    refused = c.post(f"/pulls/{pr_id}/complete", headers=rita, data={})
    assert refused.status_code == 409
    problem = re.search(r'id="problem"[^>]*>([^<]*)<', refused.text)
    assert problem and "cannot merge" in problem.group(1) and "reviewers" in problem.group(1)
    voted = c.post(f"/pulls/{pr_id}/vote", headers=rita, data={"vote": "approve"},
                   follow_redirects=False)  # fmt: skip
    assert voted.status_code == 303 and voted.headers["location"] == f"/pulls/{pr_id}"
    assert "rita" in c.get(f"/pulls/{pr_id}", headers=rita).text


def test_a_bad_form_is_shown_again_with_the_sentence_and_nothing_is_opened(
    world: World,
) -> None:
    c = TestClient(world.app)
    rita = auth(world.h.store, Role.CONTRIBUTOR, "rita")
    form = {"repository": REPO, "source": "nope", "target": "main", "title": "T"}
    got = c.post("/pulls", headers=rita, data=form)
    assert got.status_code == 404
    assert "there is no branch &#39;nope&#39;" in got.text and 'value="nope"' in got.text
    assert c.get("/pulls", headers=rita).text.count('href="/pulls/1"') == 0
    admin_only = c.post("/pulls/1/complete", headers=rita, data={"override": "because"})
    assert admin_only.status_code in (403, 404)


def test_a_viewer_is_refused_every_post(world: World) -> None:
    c = TestClient(world.app, follow_redirects=False)
    rita = auth(world.h.store, Role.CONTRIBUTOR, "rita")
    world.push("feature/z", {"delivery/app.py": "print('z')\n"})
    pr_id = open_form(c, rita, "feature/z", "Z")
    viewer = auth(world.h.store, Role.VIEWER, "vic")
    form = {"repository": REPO, "source": "feature/z", "target": "main", "title": "again"}
    for path, data in (
        ("/pulls", form),
        (f"/pulls/{pr_id}/vote", {"vote": "approve"}),
        (f"/pulls/{pr_id}/complete", {}),
        (f"/approvals/{pr_id}/approve", {}),
        (f"/approvals/{pr_id}/reject", {}),
    ):
        got = c.post(path, headers=viewer, data=data)
        assert got.status_code == 403, path
    page = c.get(f"/pulls/{pr_id}", headers=viewer).text
    assert 'id="approve"' not in page and "need the role contributor" in page
    assert world.pulls.prs.votes_json(pr_id) == []


def test_pages_and_posts_send_a_browser_without_a_token_to_sign_in(world: World) -> None:
    c = TestClient(world.app, follow_redirects=False)
    for path in PAGES:
        got = c.get(path)
        assert got.status_code == 303, path
        assert got.headers["location"].startswith("/login?next="), path
    for path in ("/pulls", "/pulls/1/vote", "/pulls/1/complete", "/approvals/1/approve"):
        assert c.post(path, data={}).status_code == 303, path
