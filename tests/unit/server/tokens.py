"""API tokens for tests of the server: made in the store as ``shipyard token create`` does."""

from __future__ import annotations

from shipyard.domain.access import Role
from shipyard.store.access import Access
from shipyard.store.sql import SqlStore


def token(store: SqlStore, role: Role = Role.VIEWER, user: str = "") -> str:
    _id, made = Access(store.engine).create_token(user or role.label, role)
    return made


def auth(store: SqlStore, role: Role = Role.VIEWER, user: str = "") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(store, role, user)}"}
