"""Users, API tokens and the audit log in the SQL store.

A token is shown once, when it is made (``shy_`` and 43 URL-safe characters of 256 random
bits); the store keeps its SHA-256 only, and looks a presented token up by that digest, so
comparing secrets never happens in Python and a leaked database authenticates nobody. A
revoked token stays in the table (who had it, when it ended) but no longer matches.

The audit log is append-only: approvals, rejections, deployments started from the server,
merges and policy overrides, token changes, each with who, what, on what, and details.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from shipyard.domain.access import Role
from shipyard.store import schema as t
from shipyard.store.database import reading, writing

TOKEN_PREFIX = "shy_"  # noqa: S105 - a marker that makes leaked tokens greppable


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is: a user of the server and their role."""

    user: str
    role: Role


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    user: str
    role: str
    label: str
    created_at: float
    revoked_at: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.user,
            "role": self.role,
            "label": self.label,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: float
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
        }


class Access:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def has_users(self) -> bool:
        with reading(self._engine) as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t.users)).scalar_one() > 0

    def create_token(self, user: str, role: Role, label: str = "") -> tuple[int, str]:
        """Make ``user`` (or change their role) and a new token for them: (its id, the token,
        which is never shown again)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        with writing(self._engine) as conn:
            found = conn.execute(sa.select(t.users.c.name).where(t.users.c.name == user)).first()
            if found is None:
                conn.execute(sa.insert(t.users).values(name=user, role=role.label, created_at=now))
            else:
                conn.execute(
                    sa.update(t.users).where(t.users.c.name == user).values(role=role.label)
                )
            new = conn.execute(
                sa.insert(t.api_tokens).values(
                    user=user, digest=digest(token), label=label[:255], created_at=now
                )
            ).inserted_primary_key
            assert new is not None
            return int(new[0]), token

    def authenticate(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        k, u = t.api_tokens, t.users
        with reading(self._engine) as conn:
            row = conn.execute(
                sa.select(u.c.name, u.c.role)
                .join(k, k.c.user == u.c.name)
                .where(k.c.digest == digest(token), k.c.revoked_at.is_(None))
            ).first()
        return Principal(row.name, Role.parse(row.role)) if row is not None else None

    def revoke(self, token_id: int) -> TokenInfo | None:
        with writing(self._engine) as conn:
            conn.execute(
                sa.update(t.api_tokens)
                .where(t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=time.time())
            )
        return next((i for i in self.tokens() if i.id == token_id), None)

    def tokens(self) -> list[TokenInfo]:
        k, u = t.api_tokens, t.users
        with reading(self._engine) as conn:
            rows = conn.execute(
                sa.select(k, u.c.role).join(u, k.c.user == u.c.name).order_by(k.c.id)
            ).all()
        return [TokenInfo(r.id, r.user, r.role, r.label, r.created_at, r.revoked_at) for r in rows]

    def audit(self, actor: str, action: str, subject: str, **detail: Any) -> int:
        with writing(self._engine) as conn:
            new = conn.execute(
                sa.insert(t.audit_log).values(
                    at=time.time(),
                    actor=actor,
                    action=action,
                    subject=subject[:255],
                    detail=detail,
                )
            ).inserted_primary_key
            assert new is not None
            return int(new[0])

    def audit_log(self, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
        a = t.audit_log
        query = sa.select(a).order_by(a.c.id.desc()).limit(limit)
        if action:
            query = query.where(a.c.action == action)
        with reading(self._engine) as conn:
            rows = conn.execute(query).all()
        return [AuditEntry(r.id, r.at, r.actor, r.action, r.subject, dict(r.detail)) for r in rows]
