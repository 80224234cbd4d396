"""Release pages: pending approvals to decide, what runs where, a service's history, DORA.

Nothing here has rules of its own. A vote goes through
:func:`~shipyard.store.approval_votes.cast_vote` with the signed-in user as the voter, as
``POST /api/runs/{id}/approve`` and ``shipyard approve`` do, so the environment's approvers,
quorum, self-approval and expiry decide the same way everywhere, and the refusal a person
sees is the sentence those rules give. The other pages read the deployment ledger
(:class:`~shipyard.store.deployments.Deployments`) and compute the DORA figures with
:func:`~shipyard.deliver.dora.dora`, the CLI's definition.

The server context (environments and their approver groups, and ``carry_on``, which lets
the engine go on with a run once its approval is decided) is read from ``app.state.ctx`` at
request time; an app made without one is a server that deploys nothing, so it has no
environments and nothing to carry on.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from shipyard.deliver.approvals import Question
from shipyard.deliver.dora import dora
from shipyard.deliver.model import DeploymentRecord
from shipyard.domain.access import Permission, allows
from shipyard.server.auth import Guard
from shipyard.server.context import ServerContext
from shipyard.server.ui_chart import daily_bars
from shipyard.server.ui_kit import Render, back_to, form_of
from shipyard.store.access import Access, Principal
from shipyard.store.approval_votes import VoteRefused, cast_vote
from shipyard.store.deployments import Deployments
from shipyard.store.sql import SqlStore


def current(records: list[DeploymentRecord]) -> dict[str, dict[str, DeploymentRecord]]:
    """service -> environment -> its last succeeded deployment (records oldest first)."""
    found: dict[str, dict[str, DeploymentRecord]] = {}
    for rec in records:
        if rec.outcome == "succeeded":
            found.setdefault(rec.service, {})[rec.environment] = rec
    return found


def add_routes(app: FastAPI, store: SqlStore, guard: Guard, render: Render) -> None:
    read = Depends(guard.need(Permission.READ, page=True))
    approver = Depends(guard.need(Permission.APPROVE, page=True))
    ledger = Deployments(store.engine)

    def ctx() -> ServerContext:
        found = getattr(app.state, "ctx", None)
        return found if isinstance(found, ServerContext) else ServerContext()

    def pending() -> list[dict[str, Any]]:
        out = []
        for d in ledger.approval_decisions():
            if d.status != "pending":
                continue
            q = Question.from_data(d.data)
            out.append(
                {
                    "run": d.run_id,
                    "title": q.title(),
                    "q": q,
                    "rules": q.rules().describe(),
                    "votes": ledger.votes(d.id),
                }
            )
        return out

    def approvals_page(who: Principal, problem: str = "", status: int = 200) -> HTMLResponse:
        return render(
            "approvals.html",
            who,
            status,
            title="Approvals",
            pending=pending(),
            problem=problem,
            can_approve=allows(who.role, Permission.APPROVE),
        )

    def decide(run_id: int, approve: bool, comment: str, who: Principal) -> HTMLResponse | None:
        """The vote, audited like the API's; the page with the refusal, or None when cast."""
        context = ctx()
        access: Access = app.state.access
        groups = context.environments.groups if context.environments else {}
        try:
            result = cast_vote(store, run_id, who.user, approve, comment, groups)
        except VoteRefused as exc:
            access.audit(who.user, "approval.refused", f"run {run_id}", reason=str(exc))
            return approvals_page(who, str(exc), 404 if exc.missing else 409)
        action = "approval.approve" if approve else "approval.reject"
        access.audit(
            who.user,
            action,
            f"run {run_id}",
            environment=result.environment,
            comment=comment,
            resolved=result.resolved,
        )
        if result.resolved:
            context.carry_on(run_id)
        return None

    @app.get("/approvals", response_class=HTMLResponse, include_in_schema=False)
    async def approvals(who: Principal = read) -> HTMLResponse:
        return await run_in_threadpool(approvals_page, who)

    async def vote(run_id: int, request: Request, who: Principal, approve: bool) -> Response:
        comment = (await form_of(request)).get("comment", "")[:4000]
        refused = await run_in_threadpool(decide, run_id, approve, comment, who)
        return refused or back_to("/approvals")

    @app.post("/approvals/{run_id}/approve", include_in_schema=False)
    async def approve(run_id: int, request: Request, who: Principal = approver) -> Response:
        return await vote(run_id, request, who, True)

    @app.post("/approvals/{run_id}/reject", include_in_schema=False)
    async def reject(run_id: int, request: Request, who: Principal = approver) -> Response:
        return await vote(run_id, request, who, False)

    def environments_page(who: Principal) -> HTMLResponse:
        records = ledger.deployments()
        running = current(records)
        envs = ctx().environments
        names = list(envs.by_name) if envs else []
        for rec in records:
            if rec.environment not in names:
                names.append(rec.environment)
        rules = {n: p.approvers.describe() for n, p in (envs.by_name.items() if envs else ())}
        return render(
            "environments.html",
            who,
            title="Environments",
            names=names,
            rules=rules,
            running=running,
            services=sorted(running),
        )

    @app.get("/environments", response_class=HTMLResponse, include_in_schema=False)
    async def environments(who: Principal = read) -> HTMLResponse:
        return await run_in_threadpool(environments_page, who)

    def service_page(who: Principal, service: str) -> HTMLResponse:
        records = ledger.deployments(service=service)
        releases: dict[str, dict[str, Any]] = {}
        for rec in records:
            seen = releases.setdefault(
                rec.version,
                {"version": rec.version, "reached": [], "first": rec, "build": rec.build_run_id},
            )
            if rec.outcome == "succeeded" and rec.environment not in seen["reached"]:
                seen["reached"].append(rec.environment)
        return render(
            "service.html",
            who,
            200 if records else 404,
            title=service,
            service=service,
            ledger=list(reversed(records)),
            releases=list(reversed(releases.values())),
            running=current(records).get(service, {}),
        )

    @app.get("/services/{service}", response_class=HTMLResponse, include_in_schema=False)
    async def service(service: str, who: Principal = read) -> HTMLResponse:
        return await run_in_threadpool(service_page, who, service)

    def dora_page(who: Principal, days: float, environment: str, service: str) -> HTMLResponse:
        lines = ledger.deployments(service=service or None)
        started: dict[int, float] = {}
        for b in {r.build_run_id for r in lines if r.build_run_id}:
            run = store.get_run(b)
            if run is not None:
                started[b] = run.started_at or run.created_at
        now = time.time()
        figures = dora(lines, started, now, days, environment)
        chart = daily_bars(lines, environment, now, days)
        return render(
            "dora.html",
            who,
            title="DORA",
            figures=asdict(figures),
            chart=chart,
            days=days,
            environment=environment,
            service=service,
        )

    @app.get("/dora", response_class=HTMLResponse, include_in_schema=False)
    async def dora_view(
        days: float = 30.0,
        environment: str = "production",
        service: str = "",
        who: Principal = read,
    ) -> HTMLResponse:
        window = min(max(days, 1.0), 365.0) if math.isfinite(days) else 30.0
        return await run_in_threadpool(dora_page, who, window, environment[:100], service[:200])
