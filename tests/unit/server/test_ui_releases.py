"""Release pages as HTML: approvals decided by the environment's rules, what runs where,
a service's ledger, and DORA with its chart; everything a release names stays text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shipyard.domain.access import Role
from shipyard.server.app import create_app
from shipyard.server.context import ServerContext
from shipyard.store.access import Access
from tests.unit.run.harness import Harness
from tests.unit.server.releases_world import (
    DIGEST,
    HOSTILE,
    environments,
    ledger,
    pending_approval,
)
from tests.unit.server.tokens import auth


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness.create(tmp_path)


def test_an_approval_is_refused_with_the_rules_sentence_then_approved_and_carried_on(
    harness: Harness,
) -> None:
    carried: list[int] = []
    app = create_app(harness.store, {}, 1 << 16)
    app.state.ctx = ServerContext(environments=environments(), carry_on=carried.append)
    c = TestClient(app, follow_redirects=False)
    run_id = pending_approval(harness)
    quinn = auth(harness.store, Role.APPROVER, "quinn")
    page = c.get("/approvals", headers=quinn).text
    assert "approve delivery 1.0.3 for production" in page and DIGEST in page
    assert "1 approval(s) from pat, not the author" in page
    refused = c.post(f"/approvals/{run_id}/approve", headers=quinn, data={"comment": "x"})
    assert refused.status_code == 409
    problem = re.search(r'id="problem"[^>]*>([^<]*)<', refused.text)
    assert problem and "quinn is not an approver of production" in problem.group(1)
    pat = auth(harness.store, Role.APPROVER, "pat")
    done = c.post(f"/approvals/{run_id}/approve", headers=pat, data={"comment": "ok"})
    assert done.status_code == 303 and done.headers["location"] == "/approvals"
    assert carried == [run_id]
    assert "Nothing waits for an approval" in c.get("/approvals", headers=pat).text
    log = Access(harness.store.engine).audit_log()
    assert [(e.actor, e.action) for e in log[:2]] == [
        ("pat", "approval.approve"),
        ("quinn", "approval.refused"),
    ]
    assert c.post("/approvals/999/reject", headers=pat, data={}).status_code == 404


def test_environments_show_the_last_good_version_and_a_service_its_whole_ledger(
    harness: Harness,
) -> None:
    app = create_app(harness.store, {}, 1 << 16)
    app.state.ctx = ServerContext(environments=environments())
    c = TestClient(app, headers=auth(harness.store))
    ledger(harness)
    page = c.get("/environments").text
    row = re.search(r'<tr data-service="delivery">(.*?)</tr>', page, re.S)
    assert row
    cells = dict(re.findall(r'data-environment="(\w+)">(.*?)</td>', row.group(1), re.S))
    assert "1.0.2" in cells["qa"] and "1.0.1" in cells["production"]  # 1.0.2 failed there
    assert "1 approval(s) from pat" in page and 'href="/services/ingestion"' in page
    service = c.get("/services/delivery")
    assert service.status_code == 200
    assert HOSTILE not in service.text and "&lt;script&gt;" in service.text
    assert service.text.count('<tr class="deployment">') == 4
    assert "failed" in service.text and DIGEST in service.text
    assert c.get("/services/nothing").status_code == 404


def test_dora_shows_the_figures_and_an_inline_svg_chart(harness: Harness) -> None:
    c = TestClient(create_app(harness.store, {}, 1 << 16), headers=auth(harness.store))
    ledger(harness)
    page = c.get("/dora?days=7")
    assert page.status_code == 200
    assert 'id="frequency">0.14/day<' in page.text  # one good production deploy in 7 days
    assert 'id="failure-rate">50%<' in page.text
    svg = re.search(r"<svg id=\"dora-chart\".*?</svg>", page.text, re.S)
    assert svg and svg.group(0).count('class="ok"') == 1 and svg.group(0).count('class="bad"') == 1
    assert "<script" not in svg.group(0) and "style=" not in svg.group(0)
    assert c.get(f"/dora?environment={HOSTILE}").text.count(HOSTILE) == 0
