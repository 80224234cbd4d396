"""Pull requests in the SQL store: the request, its builds, its votes.

A pull request row remembers the source and target commits it was last built on and the
merge commit made from them; builds and votes keep the commit they were made for, so the
policy evaluation (:mod:`shipyard.domain.branch_policy`) can tell a fresh approval from one
made before the last push, and a build of the current target from an expired one. Completing
is a conditional update (``active`` -> ``completed``), so two people pressing the button at
once merge once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from shipyard.domain.branch_policy import Build, Review
from shipyard.store import schema as t
from shipyard.store.database import reading, writing

ACTIVE, COMPLETED, ABANDONED = "active", "completed", "abandoned"


@dataclass(frozen=True, slots=True)
class PullRequestRow:
    id: int
    repository: str
    source: str
    target: str
    title: str
    author: str
    status: str
    source_sha: str
    target_sha: str
    merge_sha: str
    problem: str
    merged_sha: str | None
    created_at: float
    completed_at: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "repository": self.repository,
            "source": self.source,
            "target": self.target,
            "title": self.title,
            "author": self.author,
            "status": self.status,
            "source_sha": self.source_sha,
            "target_sha": self.target_sha,
            "merge_sha": self.merge_sha,
            "problem": self.problem,
            "merged_sha": self.merged_sha,
            "created_at": self.created_at,
            "completed_at": self.completed_at,
        }


def _row(r: sa.Row[Any]) -> PullRequestRow:
    return PullRequestRow(
        r.id,
        r.repository,
        r.source,
        r.target,
        r.title,
        r.author,
        r.status,
        r.source_sha,
        r.target_sha,
        r.merge_sha,
        r.problem,
        r.merged_sha,
        r.created_at,
        r.completed_at,
    )


class PullRequests:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def open(self, repository: str, source: str, target: str, title: str, author: str) -> int:
        with writing(self._engine) as conn:
            new = conn.execute(
                sa.insert(t.pull_requests).values(
                    repository=repository,
                    source=source,
                    target=target,
                    title=title,
                    author=author,
                    status=ACTIVE,
                    source_sha="",
                    target_sha="",
                    merge_sha="",
                    problem="",
                    created_at=time.time(),
                )
            ).inserted_primary_key
            assert new is not None
            return int(new[0])

    def get(self, pr_id: int) -> PullRequestRow | None:
        p = t.pull_requests
        with reading(self._engine) as conn:
            row = conn.execute(sa.select(p).where(p.c.id == pr_id)).first()
        return _row(row) if row is not None else None

    def recent(self, status: str | None = None, limit: int = 100) -> list[PullRequestRow]:
        p = t.pull_requests
        query = sa.select(p).order_by(p.c.id.desc()).limit(limit)
        if status:
            query = query.where(p.c.status == status)
        with reading(self._engine) as conn:
            return [_row(r) for r in conn.execute(query).all()]

    def active_for(self, repository: str, branch: str) -> list[PullRequestRow]:
        """Active pull requests of ``repository`` whose source or target is ``branch``."""
        p = t.pull_requests
        with reading(self._engine) as conn:
            rows = conn.execute(
                sa.select(p).where(
                    p.c.repository == repository,
                    p.c.status == ACTIVE,
                    sa.or_(p.c.source == branch, p.c.target == branch),
                )
            ).all()
        return [_row(r) for r in rows]

    def set_heads(
        self, pr_id: int, source_sha: str, target_sha: str, merge_sha: str, problem: str
    ) -> None:
        with writing(self._engine) as conn:
            conn.execute(
                sa.update(t.pull_requests)
                .where(t.pull_requests.c.id == pr_id)
                .values(
                    source_sha=source_sha,
                    target_sha=target_sha,
                    merge_sha=merge_sha,
                    problem=problem[:4000],
                )
            )

    def add_build(
        self, pr_id: int, pipeline: str, run_id: int, source: str, target: str, merge: str
    ) -> None:
        with writing(self._engine) as conn:
            conn.execute(
                sa.insert(t.pr_builds).values(
                    pr_id=pr_id,
                    pipeline=pipeline,
                    run_id=run_id,
                    source_sha=source,
                    target_sha=target,
                    merge_sha=merge,
                )
            )

    def builds(self, pr_id: int) -> list[Build]:
        b, r = t.pr_builds, t.runs
        with reading(self._engine) as conn:
            rows = conn.execute(
                sa.select(b, r.c.status)
                .join(r, r.c.id == b.c.run_id)
                .where(b.c.pr_id == pr_id)
                .order_by(b.c.id)
            ).all()
        return [Build(x.pipeline, x.run_id, x.source_sha, x.target_sha, x.status) for x in rows]

    def vote(self, pr_id: int, voter: str, approve: bool, source_sha: str, comment: str) -> None:
        with writing(self._engine) as conn:
            conn.execute(
                sa.insert(t.pr_votes).values(
                    pr_id=pr_id,
                    voter=voter,
                    approve=approve,
                    source_sha=source_sha,
                    comment=comment[:4000],
                    at=time.time(),
                )
            )

    def reviews(self, pr_id: int) -> list[Review]:
        v = t.pr_votes
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(v).where(v.c.pr_id == pr_id).order_by(v.c.id)).all()
        return [Review(x.voter, bool(x.approve), x.source_sha) for x in rows]

    def votes_json(self, pr_id: int) -> list[dict[str, Any]]:
        v = t.pr_votes
        with reading(self._engine) as conn:
            rows = conn.execute(sa.select(v).where(v.c.pr_id == pr_id).order_by(v.c.id)).all()
        return [
            {
                "voter": x.voter,
                "approve": bool(x.approve),
                "source_sha": x.source_sha,
                "comment": x.comment,
                "at": x.at,
            }
            for x in rows
        ]

    def finish(self, pr_id: int, status: str, merged_sha: str | None = None) -> bool:
        """``active`` -> ``status``; False when it was no longer active."""
        p = t.pull_requests
        with writing(self._engine) as conn:
            done = conn.execute(
                sa.update(p)
                .where(p.c.id == pr_id, p.c.status == ACTIVE)
                .values(status=status, merged_sha=merged_sha, completed_at=time.time())
            )
            return bool(done.rowcount == 1)
