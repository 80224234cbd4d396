"""Pull requests: open, build the merge, review, and complete only when the policy holds.

Opening a pull request (or a push to its source or its target, reported by the dispatcher)
*refreshes* it: when either head moved, the merge of source into target is made again in the
repository (:mod:`shipyard.adapters.git_merge`), published as ``refs/pull/N/merge``, and every
pipeline whose PR trigger the change matches is run on that merge commit. The status is the
branch policy evaluated on what the store and the plan know now. Completing moves the target
to the very merge commit the builds tested, with a compare-and-swap, then queues the push
like any other so that the target's CI runs. An admin may override a failing policy with a
reason; the override is in the audit log with the checks it overrode.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from shipyard.adapters.git import GitCli
from shipyard.adapters.git_merge import GitMerger
from shipyard.domain import webhooks
from shipyard.domain.branch_policy import (
    Affected,
    BranchPolicy,
    Check,
    Situation,
    blocking,
    evaluate,
    policy_for,
)
from shipyard.domain.diagnostics import ShipyardError
from shipyard.domain.events import PullRequest
from shipyard.flow.planner import PipelinePlan, plan_event
from shipyard.flow.run.requests import requests_for_event
from shipyard.flow.run.spec import RunRequest
from shipyard.store.access import Access
from shipyard.store.pulls import ABANDONED, ACTIVE, COMPLETED, PullRequestRow, PullRequests
from shipyard.store.webhooks import Deliveries

PLAN_CACHE = 512  # (repository, branches, commits) -> affected pipelines
_BRANCH = re.compile(r"[A-Za-z0-9._/-]{1,200}")


class PullRequestProblem(ShipyardError):
    """A request the server refuses (HTTP 400/404/409): nothing was changed."""

    def __init__(self, message: str, status: int = 400, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.status = status


class PullRequestService:
    def __init__(
        self,
        prs: PullRequests,
        access: Access,
        deliveries: Deliveries,
        repositories: Callable[[], Mapping[str, Path]],
        policies: Sequence[BranchPolicy],
        submit: Callable[[RunRequest], int | None],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.prs, self.access, self.deliveries = prs, access, deliveries
        self.repositories, self.policies = repositories, policies
        self.submit, self.wake = submit, wake
        self._lock = threading.Lock()  # one refresh or merge at a time: they move refs
        self._plans: dict[tuple[str, ...], dict[str, Affected]] = {}
        self._plans_lock = threading.Lock()

    # ---------------------------------------------------------------- opening, building

    def _path(self, repository: str) -> Path:
        path = self.repositories().get(repository)
        if path is None:
            known = ", ".join(sorted(self.repositories())) or "none"
            raise PullRequestProblem(
                f"repository {repository!r} is not served here (repositories: {known})", 404
            )
        return path

    def open(self, repository: str, source: str, target: str, title: str, author: str) -> int:
        for field, branch in (("source", source), ("target", target)):
            if not _BRANCH.fullmatch(branch) or branch.startswith("-") or ".." in branch:
                raise PullRequestProblem(
                    f"{field}: {branch!r} is not a branch name (letters, digits, . _ / -)"
                )
        if source == target:
            raise PullRequestProblem(f"source and target are both {source!r}")
        if not title.strip():
            raise PullRequestProblem("title: a pull request needs a title")
        git = GitMerger(self._path(repository))
        for field, branch in (("source", source), ("target", target)):
            if git.resolve_branch(branch) is None:
                raise PullRequestProblem(
                    f"{field}: there is no branch {branch!r} in {repository}", 404
                )
        pr_id = self.prs.open(repository, source, target, title.strip()[:400], author)
        self.access.audit(author, "pr.open", f"pr {pr_id}", source=source, target=target)
        self.refresh(pr_id)
        return pr_id

    def refresh(self, pr_id: int) -> None:
        """Build the merge again when a head moved since the last build."""
        with self._lock:
            pr = self.prs.get(pr_id)
            if pr is None or pr.status != ACTIVE:
                return
            path = self._path(pr.repository)
            git = GitMerger(path)
            source = git.resolve_branch(pr.source)
            target = git.resolve_branch(pr.target)
            if source is None or target is None:
                gone = pr.source if source is None else pr.target
                self.prs.set_heads(pr.id, pr.source_sha, pr.target_sha, "", f"{gone} is gone")
                return
            if (source, target) == (pr.source_sha, pr.target_sha):
                return
            merged = git.merge(source, target, f"Merge pull request {pr.id}: {pr.title}", pr.author)
            if not merged.sha:
                files = ", ".join(merged.conflicts[:10])
                problem = f"merge conflicts in {files}" if files else merged.problem
                self.prs.set_heads(pr.id, source, target, "", problem or "git cannot merge")
                return
            git.update_ref(f"refs/pull/{pr.id}/merge", merged.sha)
            try:
                self._build(pr, path, source, target, merged.sha)
            except Exception as exc:  # any failure is kept on the pull request, not raised
                # Heads left unrecorded: the next refresh (a push, a retry) builds again.
                self.prs.set_heads(pr.id, "", "", merged.sha, f"builds could not start: {exc}")
                return
            self.prs.set_heads(pr.id, source, target, merged.sha, "")

    def _event(self, pr: PullRequestRow, source: str, target: str) -> PullRequest:
        return PullRequest(pr.source, pr.target, source, target, pr.id, pr.title)

    def _build(self, pr: PullRequestRow, path: Path, source: str, target: str, merge: str) -> None:
        found = requests_for_event(
            self._event(pr, source, target),
            GitCli(path),
            repo=str(path),
            repository_name=pr.repository,
            requested_for=pr.author,
        )
        self._remember(pr, source, target, found.report.pipelines)
        for request in found.requests:
            run_id = self.submit(dataclasses.replace(request, sha=merge))
            if run_id is not None:
                self.prs.add_build(pr.id, request.pipeline, run_id, source, target, merge)

    def on_push(self, repository: str, ref: str) -> None:
        """The dispatcher saw a push: refresh the pull requests it concerns."""
        branch = ref.removeprefix("refs/heads/")
        for pr in self.prs.active_for(repository, branch):
            self.refresh(pr.id)

    # ------------------------------------------------------------------------ status

    def get(self, pr_id: int) -> PullRequestRow:
        pr = self.prs.get(pr_id)
        if pr is None:
            raise PullRequestProblem(f"pull request {pr_id} does not exist", 404)
        return pr

    def policy(self, pr: PullRequestRow) -> BranchPolicy:
        return policy_for(pr.target, self.policies)

    def checks(self, pr: PullRequestRow) -> list[Check]:
        if pr.status != ACTIVE:
            return []
        problems = [pr.problem] if pr.problem else []
        affected = self._affected(pr) if pr.source_sha and pr.target_sha else {}
        situation = Situation(
            author=pr.author,
            source_sha=pr.source_sha,
            target_sha=pr.target_sha,
            affected=affected,
            builds=self.prs.builds(pr.id),
            reviews=self.prs.reviews(pr.id),
            problems=problems,
        )
        return evaluate(self.policy(pr), situation)

    def _affected(self, pr: PullRequestRow) -> dict[str, Affected]:
        """Which pipelines the change affects: a function of the two commits alone, so it
        is planned once per pair (a page that polls a pull request does not plan again)."""
        key = (pr.repository, pr.source, pr.target, pr.source_sha, pr.target_sha)
        found = self._plans.get(key)
        if found is None:
            git = GitCli(self._path(pr.repository))
            report = plan_event(
                self._event(pr, pr.source_sha, pr.target_sha), git, repository=pr.repository
            )
            found = self._remember(pr, pr.source_sha, pr.target_sha, report.pipelines)
        return found

    def _own_gate(
        self, pr: PullRequestRow, source: str, target: str, found: dict[str, Affected]
    ) -> dict[str, Affected]:
        """A pull request cannot exempt a pipeline by editing it: a pipeline whose file the
        change touches, or that exists on the target and not on the source (deleted,
        renamed), counts as affected whatever its triggers now say."""
        git = GitCli(self._path(pr.repository))
        at_target = plan_event(
            PullRequest(pr.source, pr.target, target, target, pr.id, pr.title),
            git,
            repository=pr.repository,
        ).pipelines
        base = git.merge_base(target, source) or target
        changed = set(git.changed_files(base, source))
        files = {p.name: p.file for p in at_target}
        out = dict(found)
        for name, file in files.items():
            if name not in out:
                out[name] = Affected(True, "the pull request removes or renames this pipeline")
            elif file in changed and not out[name].runs:
                out[name] = Affected(
                    True, f"the pull request changes {file}, so its triggers cannot exempt it"
                )
        return out

    def _remember(
        self, pr: PullRequestRow, source: str, target: str, plans: Sequence[PipelinePlan]
    ) -> dict[str, Affected]:
        found = {p.name: Affected(p.decision == "run" or bool(p.errors), p.reason) for p in plans}
        found = self._own_gate(pr, source, target, found)
        with self._plans_lock:
            if len(self._plans) >= PLAN_CACHE:
                self._plans.pop(next(iter(self._plans)), None)
            self._plans[(pr.repository, pr.source, pr.target, source, target)] = found
        return found

    def as_json(self, pr: PullRequestRow) -> dict[str, Any]:
        checks = self.checks(pr)
        return {
            **pr.as_json(),
            "policy": self.policy(pr).describe(),
            "checks": [c.as_json() for c in checks],
            "mergeable": pr.status == ACTIVE and not blocking(checks),
            "builds": [dataclasses.asdict(b) for b in self.prs.builds(pr.id)],
            "votes": self.prs.votes_json(pr.id),
        }

    # ------------------------------------------------------------------ review, merge

    def vote(self, pr_id: int, voter: str, approve: bool, comment: str, seen_sha: str = "") -> None:
        """A vote for the source commit; ``seen_sha``, when given, is the commit the reviewer
        looked at: a push since then refuses the vote instead of moving it to unseen code."""
        pr = self.get(pr_id)
        if pr.status != ACTIVE:
            raise PullRequestProblem(f"pull request {pr_id} is {pr.status}", 409)
        if not pr.source_sha:
            raise PullRequestProblem(f"pull request {pr_id} has no source commit yet", 409)
        if seen_sha and seen_sha != pr.source_sha:
            raise PullRequestProblem(
                f"the source moved from {seen_sha[:12]} to {pr.source_sha[:12]} since you "
                "looked: review the new commit",
                409,
            )
        self.prs.vote(pr_id, voter, approve, pr.source_sha, comment)
        self.access.audit(
            voter, "pr.approve" if approve else "pr.reject", f"pr {pr_id}", sha=pr.source_sha
        )

    def complete(self, pr_id: int, actor: str, override: str = "") -> str:
        """Merge; the merged commit. Refuses, naming the checks, unless every one holds (or
        an admin gave ``override``, a reason, which the audit log keeps)."""
        self.refresh(pr_id)
        pr = self.get(pr_id)
        if pr.status != ACTIVE:
            raise PullRequestProblem(f"pull request {pr_id} is already {pr.status}", 409)
        failing = blocking(self.checks(pr))
        if failing and not override:
            said = "; ".join(f"{c.name}: {c.detail}" for c in failing)
            raise PullRequestProblem(f"pull request {pr_id} cannot merge: {said}", 409)
        if not pr.merge_sha:
            raise PullRequestProblem(f"pull request {pr_id} has no merge: {pr.problem}", 409)
        path = self._path(pr.repository)
        with self._lock:
            if self.get(pr_id).status != ACTIVE:
                raise PullRequestProblem(f"pull request {pr_id} is no longer active", 409)
            moved = GitMerger(path).update_ref(
                f"refs/heads/{pr.target}", pr.merge_sha, pr.target_sha
            )
            if not moved:
                raise PullRequestProblem(
                    f"{pr.target} moved while merging; try again (the pull request is rebuilt)",
                    409,
                )
            if not self.prs.finish(pr_id, COMPLETED, pr.merge_sha):
                raise PullRequestProblem(f"pull request {pr_id} was completed meanwhile", 409)
        if failing:
            self.access.audit(
                actor,
                "policy.override",
                f"pr {pr_id}",
                reason=override,
                overrode=[c.as_json() for c in failing],
            )
        self.access.audit(actor, "pr.complete", f"pr {pr_id}", merged=pr.merge_sha)
        self._queue_push(pr.repository, f"refs/heads/{pr.target}", pr.target_sha, pr.merge_sha)
        return pr.merge_sha

    def abandon(self, pr_id: int, actor: str) -> None:
        with self._lock:  # never between a completion's ref move and its record
            if not self.prs.finish(pr_id, ABANDONED):
                raise PullRequestProblem(f"pull request {pr_id} is not active", 409)
        self.access.audit(actor, "pr.abandon", f"pr {pr_id}")

    def _queue_push(self, repository: str, ref: str, before: str, after: str) -> None:
        body = webhooks.local_push(repository, ref, before, after)
        delivery = f"{repository}:{ref}:{before}:{after}:{time.time_ns()}"
        self.deliveries.accept(webhooks.LOCAL, delivery, "push", body)
        self.wake()
