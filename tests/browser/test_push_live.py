"""A git push to Shipyard's own remote, watched in a browser: the run appears on the runs
page left open, and its page follows it until it succeeds.

Everything is real here: the ``shipyard serve`` process (engine, workers, dispatcher, web
server), ``shipyard repo create`` and ``git push`` through the post-receive hook, and
Debian's chromium. Screenshots: ``push-runs.png`` and ``push-run.png``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.integration.server.test_serve import Serve, git, workspace
from tests.integration.server.test_serve import serve as serve

pytestmark = pytest.mark.e2e

__all__ = ["serve"]


@pytest.fixture
def started(serve: Serve) -> Iterator[Serve]:
    serve.start()
    yield serve


def sign_in_as_admin(page: Page, s: Serve) -> None:
    made = s.cli("token", "create", "--user", "ann", "--role", "contributor", "-o", "json")
    assert made.returncode == 0, made.stderr
    token = made.stdout.split('"token": "')[1].split('"')[0]
    page.goto(f"{s.url}/login?next=/runs")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{s.url}/runs")


def test_a_push_shows_a_run_appearing_and_finishing_live(
    started: Serve, tmp_path: Path, page: Page, screenshot: Callable[[str], Path]
) -> None:
    ws, _remote = workspace(started, tmp_path)
    sign_in_as_admin(page, started)
    assert page.locator("a[href^='/runs/']").count() == 0
    said = git(ws, started.env, "push", "-q", "shipyard", "main")
    assert "queued as delivery" in said
    # The list left open picks the new run up by itself.
    link = page.locator("a[href^='/runs/']").first
    expect(link).to_be_visible(timeout=60_000)
    screenshot("push-runs.png")
    link.click()
    page.wait_for_url(re.compile(r".*/runs/\d+$"))
    expect(page.locator("#run-status")).to_have_text("succeeded", timeout=60_000)
    expect(page.get_by_text("Say what was built").first).to_be_visible()
    expect(page.get_by_text("built main").first).to_be_visible(timeout=20_000)
    screenshot("push-run.png")
