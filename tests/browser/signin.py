"""Signing a browser page in through the real sign-in form, as a person would."""

from __future__ import annotations

from playwright.sync_api import Page

from shipyard.domain.access import Role
from shipyard.store.sql import SqlStore
from tests.unit.server.tokens import token


def sign_in(
    page: Page, url: str, store: SqlStore, role: Role = Role.VIEWER, user: str = ""
) -> None:
    page.goto(f"{url}/login")
    page.fill("#token", token(store, role, user))
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
