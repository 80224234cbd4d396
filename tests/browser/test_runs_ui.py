"""The web UI in headless chromium: a finished run's page, and a run followed live.

The app is the real one over a harness store (tests/unit/run/harness.py): real engine,
worker and store, fake processes. Screenshots land in tests/artifacts/screenshots/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.signin import sign_in
from tests.unit.run.harness import Harness

pytestmark = pytest.mark.e2e

PIPELINE = """\
stages:
- stage: Build
  displayName: Build the service
  jobs:
  - job: Compile
    displayName: Compile and test
    steps:
    - script: echo hello
      displayName: Say hello
    - script: echo token=$(secretValue)
      displayName: Show the token
"""


def test_a_finished_run_shows_its_steps_by_display_name_and_masked_logs(
    served: tuple[str, Harness], page: Page, screenshot: Callable[[str], Path]
) -> None:
    url, h = served
    sign_in(page, url, h.store)
    run = h.run(PIPELINE, secrets={"secretValue": "s3cr3t"})
    page.goto(f"{url}/runs/{run.id}")
    expect(page.locator("#run-status")).to_have_text("succeeded")
    titles = page.locator(".step-title").all_text_contents()
    assert titles == ["Checkout self", "Say hello", "Show the token"]
    expect(page.locator("h2", has_text="Build the service")).to_be_visible()
    expect(page.locator("h3", has_text="Compile and test")).to_be_visible()
    log = page.locator("#log")
    expect(log).to_contain_text("hello")
    expect(log).to_contain_text("token=***")
    assert "s3cr3t" not in page.content()
    screenshot("run.png")


def test_a_running_run_is_followed_live_until_it_succeeds(
    served: tuple[str, Harness], page: Page, screenshot: Callable[[str], Path]
) -> None:
    url, h = served
    sign_in(page, url, h.store)
    run_id = h.submit(PIPELINE, secrets={"secretValue": "s3cr3t"})  # queued, not driven
    page.goto(f"{url}/runs")
    row = page.locator("table.runs tbody tr").first
    expect(row).to_contain_text("app")
    row.locator("a").first.click()
    expect(page).to_have_url(re.compile(rf"/runs/{run_id}$"))
    status = page.locator("#run-status")
    expect(status).not_to_have_text("succeeded")
    screenshot("run-queued.png")
    # The engine and worker move the run on while the browser watches its streams.
    driver = threading.Thread(target=h.drive, args=(run_id,))
    driver.start()
    try:
        expect(status).to_have_text("succeeded")
        expect(page.locator("#log")).to_contain_text("token=***")
        expect(page.locator(".step-title")).to_have_text(
            ["Checkout self", "Say hello", "Show the token"]
        )
        expect(page.locator("#stages .status").last).to_have_text("succeeded")
    finally:
        driver.join(30)
    assert "s3cr3t" not in page.content()
    screenshot("run-live.png")
