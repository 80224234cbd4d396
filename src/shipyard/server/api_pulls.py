"""Pull request routes: open, read with policy status, vote, complete, abandon.

Bodies are small typed models (FastAPI validates them and answers 422 naming the field);
refusals from :class:`~shipyard.server.pulls.PullRequestService` become 400/404/409 with the
service's sentence, which says which policy check does not hold.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shipyard.domain.access import Permission, allows
from shipyard.domain.diagnostics import ShipyardError
from shipyard.server.auth import Guard
from shipyard.server.pulls import PullRequestProblem, PullRequestService
from shipyard.store.access import Principal


class NewPullRequest(BaseModel):
    repository: str = Field(min_length=1, max_length=255)
    source: str = Field(min_length=1, max_length=255, description="the branch to merge")
    target: str = Field(min_length=1, max_length=255, description="the branch it goes into")
    title: str = Field(min_length=1, max_length=400)


class PullVote(BaseModel):
    approve: bool = True
    comment: str = Field(default="", max_length=4000)
    source_sha: str = Field(
        default="",
        max_length=64,
        description="the source commit reviewed; a vote is refused when the source moved since",
    )


class Completion(BaseModel):
    override: str = Field(
        default="",
        max_length=1000,
        description="admins only: the reason to merge although a policy check fails",
    )


async def _call(fn: Any, *args: Any) -> Any:
    try:
        return await run_in_threadpool(fn, *args)
    except PullRequestProblem as exc:
        raise HTTPException(exc.status, str(exc)) from None
    except ShipyardError as exc:  # git or the engine refused: said, not a traceback
        raise HTTPException(409, str(exc)) from None


def add_routes(app: FastAPI, guard: Guard, pulls: PullRequestService) -> None:
    read = Depends(guard.need(Permission.READ))
    contribute = Depends(guard.need(Permission.CONTRIBUTE))

    @app.get("/api/pulls", tags=["pull requests"])
    async def list_pulls(status: str | None = None, who: Principal = read) -> list[dict[str, Any]]:
        rows = await run_in_threadpool(pulls.prs.recent, status)
        return [r.as_json() for r in rows]

    @app.post("/api/pulls", tags=["pull requests"], status_code=201)
    async def open_pull(body: NewPullRequest, who: Principal = contribute) -> dict[str, Any]:
        """Open a pull request; its merge is built at once by every affected pipeline."""
        pr_id = await _call(pulls.open, body.repository, body.source, body.target, body.title,
                            who.user)  # fmt: skip
        data: dict[str, Any] = await _call(lambda: pulls.as_json(pulls.get(pr_id)))
        return data

    @app.get("/api/pulls/{pr_id}", tags=["pull requests"])
    async def get_pull(pr_id: int, who: Principal = read) -> dict[str, Any]:
        """The pull request with its policy checks, builds and votes."""
        data: dict[str, Any] = await _call(lambda: pulls.as_json(pulls.get(pr_id)))
        return data

    @app.post("/api/pulls/{pr_id}/votes", tags=["pull requests"])
    async def vote_pull(pr_id: int, body: PullVote, who: Principal = contribute) -> dict[str, Any]:
        await _call(pulls.vote, pr_id, who.user, body.approve, body.comment, body.source_sha)
        data: dict[str, Any] = await _call(lambda: pulls.as_json(pulls.get(pr_id)))
        return data

    @app.post("/api/pulls/{pr_id}/complete", tags=["pull requests"])
    async def complete_pull(
        pr_id: int, body: Completion | None = None, who: Principal = contribute
    ) -> dict[str, Any]:
        """Merge into the target when every policy check holds (409 says which does not)."""
        override = body.override.strip() if body else ""
        if override and not allows(who.role, Permission.ADMINISTER):
            raise HTTPException(403, f"{who.user} is {who.role.label}; only admins override")
        merged = await _call(pulls.complete, pr_id, who.user, override)
        return {"id": pr_id, "status": "completed", "merged_sha": merged}

    @app.post("/api/pulls/{pr_id}/abandon", tags=["pull requests"])
    async def abandon_pull(pr_id: int, who: Principal = contribute) -> dict[str, Any]:
        await _call(pulls.abandon, pr_id, who.user)
        return {"id": pr_id, "status": "abandoned"}
