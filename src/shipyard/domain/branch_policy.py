"""Branch policies: what must hold before a pull request may merge into its target.

A policy belongs to the target branch and lives in Shipyard's settings, never in the
repository, so a pull request cannot remove a gate by editing a file it also changes.
Evaluation is a pure function of what is known now (the two heads, the builds, the votes and
which pipelines the change affects), so the API, the UI and the merge itself give the same
answer, and every check says in words why it holds or not:

- each required pipeline needs a green build of *this* source commit merged into *this*
  target commit; a build made before the target moved has expired (when the policy says so).
  A required pipeline whose triggers the change does not touch is satisfied, with its reason,
  instead of staying pending forever;
- the minimum number of approving reviewers among the votes on the current source commit
  (votes reset on a new push when the policy says so); the author's own vote does not count
  unless allowed; any rejection blocks.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

State = Literal["ok", "pending", "failed"]
ALL_PIPELINES = "*"


@dataclass(frozen=True, slots=True)
class BranchPolicy:
    branch: str  # a branch name or a glob (release/*)
    required_pipelines: tuple[str, ...] = (ALL_PIPELINES,)
    min_reviewers: int = 1
    author_may_approve: bool = False
    reset_votes_on_push: bool = True
    builds_expire_on_target_move: bool = True

    def describe(self) -> str:
        pipes = (
            "every affected pipeline"
            if ALL_PIPELINES in self.required_pipelines
            else (", ".join(self.required_pipelines))
        )
        who = "" if self.author_may_approve else ", not the author"
        return f"green builds of {pipes}; {self.min_reviewers} approving reviewer(s){who}"


DEFAULT_POLICY = BranchPolicy(branch="*")


def policy_for(branch: str, policies: Sequence[BranchPolicy]) -> BranchPolicy:
    """The policy of a target branch: its exact entry, else the first glob that matches it,
    else the default (every affected pipeline green, one reviewer who is not the author)."""
    for p in policies:
        if p.branch == branch:
            return p
    for p in policies:
        if fnmatch.fnmatchcase(branch, p.branch):
            return p
    return DEFAULT_POLICY


@dataclass(frozen=True, slots=True)
class Build:
    pipeline: str
    run_id: int
    source_sha: str
    target_sha: str
    status: str  # the run's status: queued, running, succeeded, failed, canceled...


@dataclass(frozen=True, slots=True)
class Review:
    voter: str
    approve: bool
    source_sha: str


@dataclass(frozen=True, slots=True)
class Affected:
    """Whether a pipeline's PR trigger runs for the change, and the plan's reason."""

    runs: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    state: State
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "state": self.state, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Situation:
    author: str
    source_sha: str
    target_sha: str
    affected: Mapping[str, Affected]  # every pipeline of the repository
    builds: Sequence[Build] = ()
    reviews: Sequence[Review] = ()
    problems: Sequence[str] = field(default_factory=tuple)  # e.g. a merge conflict


GREEN = {"succeeded", "succeededWithIssues"}
RED = {"failed", "canceled", "skipped", "expired"}


def evaluate(policy: BranchPolicy, s: Situation) -> list[Check]:
    checks = [Check("merge", "failed", p) for p in s.problems]
    checks += [_build_check(policy, s, name) for name in _required(policy, s)]
    checks.append(_review_check(policy, s))
    return checks


def blocking(checks: Sequence[Check]) -> list[Check]:
    return [c for c in checks if c.state != "ok"]


def _required(policy: BranchPolicy, s: Situation) -> list[str]:
    if ALL_PIPELINES in policy.required_pipelines:
        return sorted(name for name, a in s.affected.items() if a.runs)
    return list(policy.required_pipelines)


def _build_check(policy: BranchPolicy, s: Situation, name: str) -> Check:
    title = f"build {name}"
    affected = s.affected.get(name)
    if affected is None:
        return Check(title, "failed", f"required pipeline {name!r} is not in the repository")
    if not affected.runs:
        why = affected.reason
        if not why.lower().startswith("not affected"):  # the plan may already say so
            why = f"not affected by this change: {why}"
        return Check(title, "ok", why)
    mine = [b for b in s.builds if b.pipeline == name and b.source_sha == s.source_sha]
    if not mine:
        return Check(title, "pending", f"no build of {s.source_sha[:12]} yet")
    latest = max(mine, key=lambda b: b.run_id)
    if policy.builds_expire_on_target_move and latest.target_sha != s.target_sha:
        return Check(
            title,
            "pending",
            f"run {latest.run_id} expired: the target moved from {latest.target_sha[:12]} "
            f"to {s.target_sha[:12]}; a new build is needed",
        )
    if latest.status in GREEN:
        return Check(title, "ok", f"run {latest.run_id} {latest.status}")
    if latest.status in RED:
        return Check(title, "failed", f"run {latest.run_id} {latest.status}")
    return Check(title, "pending", f"run {latest.run_id} is {latest.status}")


def _review_check(policy: BranchPolicy, s: Situation) -> Check:
    title = "reviewers"
    current = [
        r for r in s.reviews if not policy.reset_votes_on_push or r.source_sha == s.source_sha
    ]
    latest: dict[str, Review] = {}
    for r in current:
        latest[r.voter] = r
    rejected = sorted(v for v, r in latest.items() if not r.approve)
    if rejected:
        return Check(title, "failed", f"rejected by {', '.join(rejected)}")
    approvers = sorted(
        v for v, r in latest.items() if r.approve and (policy.author_may_approve or v != s.author)
    )
    need = policy.min_reviewers
    if len(approvers) >= need:
        return Check(title, "ok", f"approved by {', '.join(approvers) or 'nobody needed'}")
    own = " (the author's own vote does not count)" if s.author in latest else ""
    stale = len(s.reviews) - len(current)
    reset = f"; {stale} vote(s) reset by a newer push" if stale else ""
    return Check(title, "pending", f"{len(approvers)} of {need} approving reviewer(s){own}{reset}")
