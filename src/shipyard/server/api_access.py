"""Routes of people and releases: who am I, tokens, the audit log, approvals, environments,
the deployment ledger, and starting a run.

An approval vote goes through the same rules as ``shipyard approve`` (the environment's
approvers, quorum, self-approval, expiry: :mod:`shipyard.store.approval_votes`), with the
token's user as the voter, so a role lets a person vote at all and the environment decides
on which approvals. Every vote, refusal aside, is in the audit log.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shipyard.adapters.git import GitCli
from shipyard.deliver.approvals import Question
from shipyard.deliver.model import DeploymentRecord
from shipyard.domain.access import ROLE_NAMES, Permission, Role
from shipyard.domain.diagnostics import ShipyardError
from shipyard.domain.events import InvalidEvent, Manual
from shipyard.flow.run.requests import requests_for_event
from shipyard.server.auth import Guard
from shipyard.server.context import ServerContext
from shipyard.store.access import Access, Principal
from shipyard.store.approval_votes import VoteRefused, cast_vote
from shipyard.store.deployments import Deployments
from shipyard.store.sql import SqlStore


class NewToken(BaseModel):
    user: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
    role: str = Field(description=f"one of {', '.join(ROLE_NAMES)}")
    label: str = Field(default="", max_length=255)


class Decision(BaseModel):
    comment: str = Field(default="", max_length=4000)


class NewRun(BaseModel):
    repository: str = Field(min_length=1, max_length=255)
    ref: str = Field(default="main", min_length=1, max_length=255)
    pipeline: str | None = Field(default=None, max_length=255)


def _deployment_entry(r: DeploymentRecord) -> dict[str, Any]:
    return {
        "id": f"deployment-{r.id}",
        "at": r.started_at,
        "actor": ",".join(r.approvers) or "shipyard",
        "action": f"deploy.{r.kind}",
        "subject": f"{r.service} {r.version} in {r.environment}",
        "detail": {
            "outcome": r.outcome,
            "run": r.run_id,
            "image": r.image,
            "revision": r.revision,
            "change_cause": r.change_cause,
        },
    }


def add_routes(
    app: FastAPI, store: SqlStore, access: Access, guard: Guard, ctx: ServerContext
) -> None:
    read = Depends(guard.need(Permission.READ))
    admin = Depends(guard.need(Permission.ADMINISTER))
    manager = Depends(guard.need(Permission.RELEASE))
    trigger_ = Depends(guard.need(Permission.TRIGGER))
    ledger = Deployments(store.engine)

    @app.get("/api/me", tags=["access"])
    async def me(who: Principal = read) -> dict[str, str]:
        return {"user": who.user, "role": who.role.label}

    @app.get("/api/tokens", tags=["access"])
    def tokens(who: Principal = admin) -> list[dict[str, Any]]:
        """Every token (never the token itself: only its digest is stored)."""
        return [t.as_json() for t in access.tokens()]

    @app.post("/api/tokens", tags=["access"], status_code=201)
    def create_token(body: NewToken, who: Principal = admin) -> dict[str, Any]:
        """A new token for a user (made with this role, or moved to it); shown only now."""
        try:
            role = Role.parse(body.role)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        token_id, token = access.create_token(body.user, role, body.label)
        access.audit(who.user, "token.create", body.user, role=role.label, token_id=token_id)
        return {"id": token_id, "user": body.user, "role": role.label, "token": token}

    @app.delete("/api/tokens/{token_id}", tags=["access"])
    def revoke_token(token_id: int, who: Principal = admin) -> dict[str, Any]:
        info = access.revoke(token_id)
        if info is None:
            raise HTTPException(404, f"token {token_id} does not exist")
        access.audit(who.user, "token.revoke", info.user, token_id=token_id)
        return info.as_json()

    @app.get("/api/audit", tags=["access"])
    def audit(
        limit: int = 200,
        action: str | None = None,
        who: Principal = manager,
    ) -> list[dict[str, Any]]:
        """Approvals, rejections, deployments, merges, overrides and token changes, newest
        first. Deployments (``deploy.*``) come from the deployment ledger, where the release
        pipeline records each one with its approvers and change-cause."""
        limit = min(max(limit, 1), 1000)
        entries = [e.as_json() for e in access.audit_log(limit, action)]
        if action is None or action.startswith("deploy."):
            entries += [
                _deployment_entry(r)
                for r in ledger.deployments()
                if action is None or action == f"deploy.{r.kind}"
            ]
        entries.sort(key=lambda e: float(e["at"]), reverse=True)
        return entries[:limit]

    @app.get("/api/approvals", tags=["releases"])
    def approvals(who: Principal = read) -> list[dict[str, Any]]:
        """Pending approvals: what they are bound to, who may decide, the votes so far."""
        out = []
        for d in ledger.approval_decisions():
            if d.status != "pending":
                continue
            q = Question.from_data(d.data)
            out.append(
                {
                    "decision": d.id,
                    "run": d.run_id,
                    "title": q.title(),
                    "environment": q.environment,
                    "image_digest": q.image_digest,
                    "chart_digest": q.chart_digest,
                    "rules": q.rules().describe(),
                    "author": q.author,
                    "expires_at": q.expires_at,
                    "votes": [asdict(v) for v in ledger.votes(d.id)],
                }
            )
        return out

    def decide(run_id: int, approve: bool, comment: str, who: Principal) -> dict[str, Any]:
        groups = ctx.environments.groups if ctx.environments else {}
        try:
            result = cast_vote(store, run_id, who.user, approve, comment, groups)
        except VoteRefused as exc:
            access.audit(who.user, "approval.refused", f"run {run_id}", reason=str(exc))
            raise HTTPException(404 if exc.missing else 409, str(exc)) from None
        action = "approval.approve" if approve else "approval.reject"
        access.audit(who.user, action, f"run {run_id}", environment=result.environment,
                     comment=comment, resolved=result.resolved)  # fmt: skip
        if result.resolved:
            ctx.carry_on(run_id)
        return result.as_json()

    approver = Depends(guard.need(Permission.APPROVE))

    @app.post("/api/runs/{run_id}/approve", tags=["releases"])
    async def approve(run_id: int, body: Decision, who: Principal = approver) -> dict[str, Any]:
        """Approve the run's pending approval as the token's user."""
        out: dict[str, Any] = await run_in_threadpool(decide, run_id, True, body.comment, who)
        return out

    @app.post("/api/runs/{run_id}/reject", tags=["releases"])
    async def reject(run_id: int, body: Decision, who: Principal = approver) -> dict[str, Any]:
        out: dict[str, Any] = await run_in_threadpool(decide, run_id, False, body.comment, who)
        return out

    @app.get("/api/environments", tags=["releases"])
    def environments(who: Principal = read) -> list[dict[str, Any]]:
        """Each environment's rules and what runs there (the last good deployment per service)."""
        current: dict[str, dict[str, dict[str, Any]]] = {}
        for rec in ledger.deployments():
            if rec.outcome == "succeeded":
                current.setdefault(rec.environment, {})[rec.service] = asdict(rec)
        envs = ctx.environments.by_name if ctx.environments else {}
        return [
            {**policy.as_json(), "running": list(current.get(name, {}).values())}
            for name, policy in envs.items()
        ]

    @app.get("/api/deployments", tags=["releases"])
    def deployments(
        service: str | None = None, environment: str | None = None, who: Principal = read
    ) -> list[dict[str, Any]]:
        """The deployment ledger: every deploy, rollback and retirement with its change-cause."""
        return [asdict(r) for r in ledger.deployments(service=service, environment=environment)]

    @app.post("/api/runs", tags=["runs"], status_code=201)
    def trigger(body: NewRun, who: Principal = trigger_) -> dict[str, Any]:
        """Run the pipelines of a branch (or the one named) as a manual run."""
        path = ctx.repositories().get(body.repository)
        if path is None:
            raise HTTPException(404, f"repository {body.repository!r} is not served here")
        try:
            found = requests_for_event(
                Manual(body.ref, body.pipeline),
                GitCli(path),
                repo=str(path),
                repository_name=body.repository,
                requested_for=who.user,
            )
        except (ShipyardError, InvalidEvent) as exc:
            raise HTTPException(400, str(exc)) from None
        runs = [r for q in found.requests if (r := ctx.submit(q)) is not None]
        access.audit(who.user, "run.trigger", body.repository, ref=body.ref, runs=runs)
        return {"runs": runs, "summary": found.summary()}
