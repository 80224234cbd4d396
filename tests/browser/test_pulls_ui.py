"""A pull request through the web UI in headless chromium, from the form to the merge.

Real git (tests/unit/server/pr_world.py): rita opens the pull request in the form, its
merge is built, her own approval does not count, sam's does, and Complete moves main to the
very merge commit the build tested. Screenshots land in tests/artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from shipyard.domain.access import Role
from shipyard.domain.branch_policy import BranchPolicy
from tests.browser.signin import sign_in
from tests.unit.server.pr_world import make_world, served

pytestmark = pytest.mark.e2e


def test_a_pull_request_is_opened_reviewed_and_merged_in_the_browser(
    tmp_path: Path, page: Page, screenshot: Callable[[str], Path]
) -> None:
    policy = BranchPolicy("main", required_pipelines=("delivery", "ingestion"), min_reviewers=1)
    world = make_world(tmp_path, (policy,))
    world.push("feature/retry", {"delivery/app.py": "print('retry')\n"})
    with served(world.app) as url:
        sign_in(page, url, world.h.store, Role.CONTRIBUTOR, "rita")
        page.click("nav >> text=Pull requests")
        page.click("text=New pull request")
        page.fill("#source", "feature/retry")
        page.fill("#title", "Retry deliveries")
        page.click("#new-pull button[type=submit]")
        expect(page).to_have_url(re.compile(r"/pulls/\d+$"))
        pr_id = int(page.url.rsplit("/", 1)[1])
        expect(page.locator("#mergeable")).to_have_text("blocked")
        expect(page.locator("#signed-in")).to_have_text("rita")
        delivery = page.locator('[data-check="build delivery"] .status')
        expect(delivery).to_have_text("pending")
        world.drive()
        page.reload()
        expect(delivery).to_have_text("ok")
        expect(page.locator('[data-check="build ingestion"] .status')).to_have_text("ok")
        expect(page.locator('[data-check="reviewers"] .status')).to_have_text("pending")
        expect(page.locator("#mergeable")).to_have_text("blocked")
        page.locator(".builds a", has_text="run").first.click()
        expect(page.locator("#run-status")).to_have_text("succeeded")
        page.go_back()
        # Her own approval is recorded but does not count.
        page.click("#approve")
        expect(page.locator("#votes")).to_contain_text("rita")
        expect(page.locator("#mergeable")).to_have_text("blocked")
        page.click("#complete")
        expect(page.locator("#problem")).to_contain_text("cannot merge")
        expect(page.locator("#problem")).to_contain_text("reviewers")
        screenshot("pr-blocked.png")
        page.click("#sign-out")
        expect(page).to_have_url(re.compile(r"/login$"))
        sign_in(page, url, world.h.store, Role.CONTRIBUTOR, "sam")
        page.goto(f"{url}/pulls/{pr_id}")
        page.click("#approve")
        expect(page.locator("#mergeable")).to_have_text("can merge")
        page.click("#complete")
        expect(page.locator("#pr-status")).to_have_text("completed")
        merge_sha = world.pulls.get(pr_id).merge_sha
        assert merge_sha and world.bare_git("rev-parse", "main") == merge_sha
        expect(page.locator("#merged-sha")).to_have_text(merge_sha)
        screenshot("pr-merged.png")
        page.goto(f"{url}/pulls")
        expect(page.locator("table.pulls tbody tr").first).to_contain_text("Retry deliveries")
        screenshot("pulls.png")
