"""A real headless browser for the web UI's tests: Debian's chromium driven by Playwright.

Playwright's own browser downloads are never used (``playwright install`` is not part of
setup): the browser is ``/usr/bin/chromium``, which ``shipyard platform up`` installs with
the other Debian tools (platform/catalog.py). When it is missing the tests fail and say so,
rather than skip and pass a UI nobody looked at.

- ``page``: a fresh browser page (one browser per session, one context per test); a test
  fails when the page logged a script error or a Content-Security-Policy violation. A page
  that is itself a 4xx answer (a form refused, with the reason on the page) is not an error;
  a script, sheet or image that fails to load still is.
- ``screenshot(name)``: saves the page under ``tests/artifacts/screenshots/NAME``.
- ``served``: the real app over a :class:`~tests.unit.run.harness.Harness` store, under
  uvicorn on a free loopback port in a thread; yields ``(base_url, harness)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from shipyard.server.app import create_app
from tests.unit.run.harness import Harness
from tests.unit.server.pr_world import served as serve_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
# Headless on a closed network: without the background-networking flags chromium keeps
# trying to reach Google's services (updates, sync, QUIC probes) and floods the network.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
REFUSED = "Failed to load resource: the server responded with a status of 4"


def _is_error(msg: ConsoleMessage, page: Page) -> bool:
    if msg.type != "error":
        return False
    return not (msg.text.startswith(REFUSED) and msg.location.get("url") == page.url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium; "
            "`shipyard platform up` installs it (or `sudo apt-get install chromium`)",
            pytrace=False,
        )
    with sync_playwright() as pw:
        found = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield found
        found.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    found = context.new_page()
    errors: list[str] = []
    found.on("pageerror", lambda exc: errors.append(str(exc)))
    found.on("console", lambda msg: errors.append(msg.text) if _is_error(msg, found) else None)
    yield found
    context.close()
    assert not errors, f"the page logged errors: {errors}"


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    def save(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Harness]]:
    h = Harness.create(tmp_path)
    app = create_app(h.store, {}, 1 << 16)
    with serve_app(app) as url:
        yield url, h
