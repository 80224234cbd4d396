"""Pull request pages: the list, a form to open one, and one pull request with its checks.

Everything is decided by :class:`~shipyard.server.pulls.PullRequestService`, the same
service the API calls, so the page and ``shipyard pr`` can never disagree on whether a pull
request may merge. The page shows each branch policy check with its sentence, the builds of
the merge commit (linked to their runs) and the votes.

The Complete button stays a real button when the policy blocks the merge: pressing it asks
the service, and the page then says, in the service's own words, which check refused. A
greyed-out button that silently does nothing would leave a person guessing why.

Posts are plain forms (urlencoded), answered with a 303 back to the page on success, so a
reload never posts twice. They need the contribute permission; the cookie is SameSite=Strict,
which keeps another site from posting them with a signed-in user's cookie.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from shipyard.domain.access import Permission, allows
from shipyard.domain.diagnostics import ShipyardError
from shipyard.server.auth import Guard
from shipyard.server.pulls import PullRequestProblem, PullRequestService
from shipyard.server.ui_kit import Render, back_to, form_of
from shipyard.store.access import Principal
from shipyard.store.pulls import ABANDONED, ACTIVE, COMPLETED

STATUSES = (ACTIVE, COMPLETED, ABANDONED)
FIELDS = ("repository", "source", "target", "title")


def status_of(exc: ShipyardError) -> int:
    """A refusal's HTTP status: the service's own, else 409 (git or the engine refused)."""
    return exc.status if isinstance(exc, PullRequestProblem) else 409


def add_routes(app: FastAPI, guard: Guard, render: Render) -> None:
    read = Depends(guard.need(Permission.READ, page=True))
    contribute = Depends(guard.need(Permission.CONTRIBUTE, page=True))

    def service() -> PullRequestService:
        pulls: PullRequestService = app.state.pulls
        return pulls

    def new_form(
        who: Principal, form: dict[str, str], problem: str = "", status: int = 200
    ) -> HTMLResponse:
        repositories = sorted(service().repositories())
        values = {f: form.get(f, "") for f in FIELDS}
        if not values["repository"] and repositories:
            values["repository"] = repositories[0]
        values["target"] = values["target"] or "main"
        return render(
            "pull_new.html",
            who,
            status,
            title="New pull request",
            form=values,
            repositories=repositories,
            problem=problem,
            can_contribute=allows(who.role, Permission.CONTRIBUTE),
        )

    def detail(who: Principal, pr_id: int, problem: str = "", status: int = 200) -> HTMLResponse:
        pulls = service()
        try:
            pr = pulls.get(pr_id)
        except ShipyardError as exc:  # PullRequestProblem, or git's own refusal
            return render("missing.html", who, status_of(exc), title="Not found", what=f"{exc}.")
        data: dict[str, Any] = pulls.as_json(pr)
        for build in data["builds"]:
            build["current"] = (build["source_sha"], build["target_sha"]) == (
                pr.source_sha,
                pr.target_sha,
            )
        return render(
            "pull.html",
            who,
            status,
            title=f"#{pr.id} {pr.title}",
            pr=pr,
            data=data,
            problem=problem,
            can_contribute=allows(who.role, Permission.CONTRIBUTE),
            is_admin=allows(who.role, Permission.ADMINISTER),
        )

    @app.get("/pulls", response_class=HTMLResponse, include_in_schema=False)
    async def pulls_page(status: str = "", who: Principal = read) -> HTMLResponse:
        wanted = status if status in STATUSES else None
        rows = await run_in_threadpool(service().prs.recent, wanted)
        return render(
            "pulls.html",
            who,
            title="Pull requests",
            pulls=rows,
            status=wanted or "",
            statuses=STATUSES,
        )

    @app.get("/pulls/new", response_class=HTMLResponse, include_in_schema=False)
    async def new_pull_page(
        source: str = "", target: str = "", who: Principal = read
    ) -> HTMLResponse:
        return await run_in_threadpool(new_form, who, {"source": source, "target": target})

    @app.post("/pulls", include_in_schema=False)
    async def open_pull(request: Request, who: Principal = contribute) -> Response:
        form = await form_of(request)
        repository, source, target, title = (form.get(f, "").strip() for f in FIELDS)
        try:
            pr_id = await run_in_threadpool(
                service().open, repository, source, target, title, who.user
            )
        except ShipyardError as exc:  # PullRequestProblem, or git's own refusal
            return await run_in_threadpool(new_form, who, form, str(exc), status_of(exc))
        return back_to(f"/pulls/{pr_id}")

    @app.get("/pulls/{pr_id}", response_class=HTMLResponse, include_in_schema=False)
    async def pull_page(pr_id: int, who: Principal = read) -> HTMLResponse:
        return await run_in_threadpool(detail, who, pr_id)

    @app.post("/pulls/{pr_id}/vote", include_in_schema=False)
    async def vote_pull(pr_id: int, request: Request, who: Principal = contribute) -> Response:
        form = await form_of(request)
        approve = form.get("vote", "approve") != "reject"
        try:
            await run_in_threadpool(
                service().vote,
                pr_id,
                who.user,
                approve,
                form.get("comment", "")[:4000],
                form.get("source_sha", "")[:64],
            )
        except ShipyardError as exc:  # PullRequestProblem, or git's own refusal
            return await run_in_threadpool(detail, who, pr_id, str(exc), status_of(exc))
        return back_to(f"/pulls/{pr_id}")

    @app.post("/pulls/{pr_id}/complete", include_in_schema=False)
    async def complete_pull(pr_id: int, request: Request, who: Principal = contribute) -> Response:
        """Merge, or show the page again with the refusal; an override is for admins only
        (the service keeps it in the audit log with the checks it overrode)."""
        override = (await form_of(request)).get("override", "").strip()[:1000]
        if override and not allows(who.role, Permission.ADMINISTER):
            said = f"{who.user} is {who.role.label}; only admins override a branch policy"
            return await run_in_threadpool(detail, who, pr_id, said, 403)
        try:
            await run_in_threadpool(service().complete, pr_id, who.user, override)
        except ShipyardError as exc:  # PullRequestProblem, or git's own refusal
            return await run_in_threadpool(detail, who, pr_id, str(exc), status_of(exc))
        return back_to(f"/pulls/{pr_id}")
