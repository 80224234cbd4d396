"""Release pages in headless chromium: an approval decided in the browser, what runs where,
and DORA's chart drawn without script. Screenshots land in tests/artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from shipyard.domain.access import Role
from shipyard.server.app import create_app
from shipyard.server.context import ServerContext
from tests.browser.signin import sign_in
from tests.unit.run.harness import Harness
from tests.unit.server.pr_world import served
from tests.unit.server.releases_world import environments, ledger, pending_approval

pytestmark = pytest.mark.e2e


def test_an_approver_decides_in_the_browser_and_sees_what_runs_where(
    tmp_path: Path, page: Page, screenshot: Callable[[str], Path]
) -> None:
    h = Harness.create(tmp_path)
    carried: list[int] = []
    app = create_app(h.store, {}, 1 << 16)
    app.state.ctx = ServerContext(environments=environments(), carry_on=carried.append)
    ledger(h)
    first = pending_approval(h, author="rita")
    second = pending_approval(h, author="pat")  # pat wrote it: pat may not approve it
    with served(app) as url:
        sign_in(page, url, h.store, Role.APPROVER, "pat")
        page.click("nav >> text=Approvals")
        approvals = page.locator("section.approval")
        expect(approvals).to_have_count(2)
        expect(approvals.first).to_contain_text("sha256:aaaa")
        screenshot("approvals.png")
        approvals.filter(has=page.locator(f'a[href="/runs/{second}"]')).locator(
            "button.primary"
        ).click()
        expect(page.locator("#problem")).to_contain_text("does not allow self-approval")
        page.goto(f"{url}/approvals")
        approvals.filter(has=page.locator(f'a[href="/runs/{first}"]')).locator(
            "button.primary"
        ).click()
        expect(approvals).to_have_count(1)
        assert carried == [first]
        page.click("nav >> text=Environments")
        row = page.locator('tr[data-service="delivery"]')
        expect(row.locator('[data-environment="production"] .version')).to_have_text("1.0.1")
        expect(row.locator('[data-environment="qa"] .version')).to_have_text("1.0.2")
        screenshot("environments.png")
        row.locator("a").first.click()
        expect(page.locator("#ledger tr.deployment")).to_have_count(4)
        page.click("nav >> text=DORA")
        expect(page.locator("#failure-rate")).to_have_text("50%")
        expect(page.locator("#dora-chart rect.ok")).to_have_count(1)
        screenshot("dora.png")
