"""Approvals: who may vote on a deployment, and when the votes are enough.

An approval is asked once per (run, environment) and is bound to what that run deploys: the
image and chart digests of the build are written into the question, and the deploy step
refuses to go ahead with anything else. A new build is a new run, so it needs a new
approval; an old approval never carries over.

Pure functions over plain values, so that the CLI, the server and the tests judge votes
the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shipyard.deliver.environments import Approvers

APPROVAL = "approval"  # the decision kind


@dataclass(frozen=True, slots=True)
class Vote:
    voter: str
    approve: bool
    comment: str = ""
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Question:
    """What an approval decision asks, as stored in the decision's data."""

    environment: str
    service: str
    version: str
    author: str
    image: str
    image_digest: str
    chart: str
    chart_digest: str
    expires_at: float
    approvers: tuple[str, ...] = ()
    minimum: int = 1
    allow_self_approval: bool = False

    def as_data(self) -> dict[str, object]:
        return {
            "environment": self.environment,
            "service": self.service,
            "version": self.version,
            "author": self.author,
            "image": self.image,
            "image_digest": self.image_digest,
            "chart": self.chart,
            "chart_digest": self.chart_digest,
            "expires_at": self.expires_at,
            "approvers": list(self.approvers),
            "minimum": self.minimum,
            "allow_self_approval": self.allow_self_approval,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Question:
        def text(key: str) -> str:
            return str(data.get(key) or "")

        raw_approvers = data.get("approvers")
        approvers = tuple(str(a) for a in raw_approvers) if isinstance(raw_approvers, list) else ()
        minimum = data.get("minimum")
        expires = data.get("expires_at")
        return cls(
            environment=text("environment"),
            service=text("service"),
            version=text("version"),
            author=text("author"),
            image=text("image"),
            image_digest=text("image_digest"),
            chart=text("chart"),
            chart_digest=text("chart_digest"),
            expires_at=float(expires) if isinstance(expires, int | float) else 0.0,
            approvers=approvers,
            minimum=int(minimum) if isinstance(minimum, int) else 1,
            allow_self_approval=bool(data.get("allow_self_approval")),
        )

    def rules(self) -> Approvers:
        return Approvers(self.approvers, self.minimum, self.allow_self_approval)

    def title(self) -> str:
        return f"approve {self.service} {self.version} for {self.environment}"


def refusal(
    question: Question,
    voter: str,
    groups: Mapping[str, tuple[str, ...]],
    votes: Sequence[Vote] = (),
    now: float = 0.0,
) -> str:
    """Why ``voter`` may not vote on this question, or '' when they may."""
    if not voter.strip():
        return "a vote needs a user name (--as USER)"
    if question.expires_at and now and now >= question.expires_at:
        return f"the approval for {question.environment} has expired"
    rules = question.rules()
    if rules.entries and voter not in rules.users(groups):
        return (
            f"{voter} is not an approver of {question.environment} "
            f"(approvers: {', '.join(rules.entries)})"
        )
    if not rules.allow_self_approval and voter == question.author:
        return (
            f"{voter} is the author of this change and {question.environment} does not "
            "allow self-approval: a second person must approve"
        )
    if any(v.voter == voter for v in votes):
        return f"{voter} has already voted on this approval"
    return ""


def outcome(question: Question, votes: Sequence[Vote]) -> bool | None:
    """True when approved (quorum of distinct approvers), False when anyone rejected,
    None while more approvals are needed."""
    if any(not v.approve for v in votes):
        return False
    approvers = {v.voter for v in votes if v.approve}
    return True if len(approvers) >= max(1, question.minimum) else None
