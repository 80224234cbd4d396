"""An approval given in the web UI moves a real release to production.

A release of the probe chart goes through the release pipeline to production and waits for
its approval (no engine holds it then); the server is started as ``shipyard demo`` starts it;
an approver signs in in chromium, approves on the approvals page, and the server's own engine
carries the run on: promotion by digest, deployment to the production cluster.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from shipyard.adapters.registry import OciRegistry
from shipyard.domain.access import Role
from shipyard.platform import Platform
from shipyard.server.serving import start_background
from shipyard.store import open_store
from shipyard.store.access import Access
from shipyard.store.deployments import Deployments
from tests.e2e.conftest import platform, registry
from tests.e2e.probe_release import make_release
from tests.e2e.test_release_faults import cleanup, store_env
from tests.e2e.test_release_refusals import pending, run_json, submit

pytestmark = [pytest.mark.e2e, pytest.mark.platform, pytest.mark.integration]
# The end-to-end fixtures, here beside the browser's: this test needs both, and the browser
# is started once per session, before anything else leaves an event loop behind.
__all__ = ["cleanup", "platform", "registry", "store_env"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_approval_in_the_browser_releases_to_production(
    platform: Platform,
    registry: OciRegistry,
    store_env: dict[str, str],
    tmp_path: Path,
    cleanup: list[tuple[str, str]],
    page: Page,
    screenshot: Callable[[str], Path],
) -> None:
    release = make_release(platform, registry, tmp_path, "probe-uiapprove")
    cleanup.append(("production", release.release))
    run_id = submit(release, ("production",))
    assert [w["environment"] for w in pending(run_id)] == ["production"]
    _id, token = Access(open_store().engine).create_token("rita", Role.APPROVER)
    running = start_background("127.0.0.1", free_port(), lambda _line: None)
    try:
        page.goto(f"{running.url}/login?next=/approvals")
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.wait_for_url(f"{running.url}/approvals")
        card = page.locator(f"section.approval[data-run='{run_id}']")
        expect(card).to_contain_text("production")
        expect(card).to_contain_text(release.image_digest)
        screenshot("release-approval.png")
        card.get_by_role("button", name="Approve").click()
        deadline = time.monotonic() + 300
        while (status := run_json(run_id)["status"]) != "succeeded":
            assert status in ("running", "waiting", "queued"), status
            assert time.monotonic() < deadline, "the approved release did not finish in 5 min"
            time.sleep(1)
    finally:
        running.stop()
    (prod,) = Deployments(open_store().engine).deployments(
        release.service, "production", release.version
    )
    assert prod.outcome == "succeeded" and prod.approvers == ("rita",)
    assert registry.manifest_digest(f"prod/{release.service}", release.version) == (
        release.image_digest
    )
    audit = Access(open_store().engine).audit_log(action="approval.approve")
    assert audit[0].actor == "rita" and audit[0].subject == f"run {run_id}"
    # The audit route shows the deployment too, with who approved it.
    from fastapi.testclient import TestClient

    from shipyard.server.app import create_app
    from tests.unit.server.tokens import auth

    store = open_store()
    api = TestClient(create_app(store, {}, 1 << 16), headers=auth(store, Role.RELEASE_MANAGER))
    deploys = api.get("/api/audit?action=deploy.deploy").json()
    assert any(
        e["subject"] == f"{release.service} {release.version} in production"
        and e["actor"] == "rita"
        for e in deploys
    )
