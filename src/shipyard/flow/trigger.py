"""Trigger evaluation: for one event, decide for EVERY registered pipeline whether it runs.

Nothing is left implicit: each pipeline gets a :class:`Decision` with a short human reason
and a machine code, the changed files it looked at (how many, and a few that matched) and
the ``Build.Reason`` a run would carry. A skipped pipeline says why ("not affected: no
change under src/shipping/delivery/"), which is what a user asks first when CI "did not
run".

Semantics follow Azure Pipelines (see :mod:`shipyard.domain.filters` for the documented
filter rules), with one deliberate difference for new branches:

* Push: changed files are ``diff(before, after)``; the branch must pass ``trigger.branches``
  and, with path filters, some changed file must pass ``trigger.paths``.
* New branch (``before`` is the zero id, or :class:`NewBranch`): compared with the
  merge-base on the default branch. Azure documents that a path-filtered pipeline "will be
  triggered only if the new branch has changes to files that match that path filter", so
  a release branch cut from main with no new commit (``release/delivery/v1.0.2``) starts
  nothing, which breaks the release flow of the reference architecture
  (MicrosoftDocs/architecture-center#3679). Shipyard runs such a pipeline when its branch
  filter names the new branch with a *specific* pattern (``release/delivery/v*``, not a
  bare ``*``) and its path filters match files in the branch's *tree*. A branch matched
  only by a generic pattern keeps Azure's behaviour and is skipped, with that reason.
* Tag: the ``tags`` filter, or a ``refs/tags/...`` pattern in ``branches``; no tag filter
  means tags do not trigger; path filters do not apply to tags. A trigger that names tags
  but no branches is read as "tags only" and ignores branch pushes (Azure leaves this case
  undocumented; ``branches: exclude: ['*']`` says the same thing explicitly).
* Pull request: ``pr.branches`` is matched against the *target* branch; changed files are
  ``diff(merge-base(target, source), source)``; ``drafts: false`` skips draft PRs.
* Manual: always runs (``trigger: none`` only disables CI), optionally one pipeline only.

Git is reached only through the :class:`~shipyard.ports.Git` port, and each git question
(the diff, the tree, the merge-base) is asked at most once per event, however many
pipelines need the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Literal

from shipyard.domain.events import (
    HEADS,
    ZERO_SHA,
    Event,
    Manual,
    NewBranch,
    PullRequest,
    Push,
    Tag,
    is_zero_sha,
    short_name,
)
from shipyard.domain.filters import (
    PathIndex,
    PathSelection,
    RefMatch,
    compile_path_filter,
    compile_ref_filter,
)
from shipyard.domain.pipeline import CITrigger, Pipeline, PRTrigger
from shipyard.domain.skip_ci import skip_marker
from shipyard.ports import Git

EXAMPLES = 3


class BuildReason(StrEnum):
    """The ``Build.Reason`` variable of a run, as Azure names it."""

    INDIVIDUAL_CI = "IndividualCI"
    BATCHED_CI = "BatchedCI"
    PULL_REQUEST = "PullRequest"
    MANUAL = "Manual"


@dataclass(frozen=True, slots=True)
class RegisteredPipeline:
    """What trigger evaluation needs to know of one pipeline."""

    name: str
    file: str
    trigger: CITrigger = field(default_factory=CITrigger)
    pr: PRTrigger = field(default_factory=PRTrigger)

    @classmethod
    def of(cls, name: str, pipeline: Pipeline) -> RegisteredPipeline:
        return cls(name, pipeline.file, pipeline.trigger, pipeline.pr)


ChangeSource = Literal["diff", "tree", "none"]


@dataclass(frozen=True, slots=True)
class Changes:
    """The files a decision looked at: ``count`` of them, ``examples`` that matched."""

    source: ChangeSource  # diff(base, head), the whole tree of head, or nothing
    base: str | None
    head: str | None
    count: int
    examples: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "base": self.base,
            "head": self.head,
            "count": self.count,
            "examples": list(self.examples),
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """Run or skip one pipeline, and why."""

    pipeline: str
    file: str
    run: bool
    code: str
    reason: str
    build_reason: BuildReason | None
    ref: str
    sha: str | None
    changes: Changes | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "pipeline": self.pipeline,
            "file": self.file,
            "run": self.run,
            "code": self.code,
            "reason": self.reason,
            "build_reason": str(self.build_reason) if self.build_reason else None,
            "ref": self.ref,
            "sha": self.sha,
            "changes": self.changes.as_json() if self.changes else None,
        }


@dataclass(frozen=True, slots=True)
class TriggerReport:
    event: Event
    decisions: tuple[Decision, ...]

    @property
    def runs(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.run)

    @property
    def skipped(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if not d.run)

    def decision(self, pipeline: str) -> Decision:
        for d in self.decisions:
            if d.pipeline == pipeline:
                return d
        raise KeyError(pipeline)

    def as_json(self) -> dict[str, object]:
        return {"decisions": [d.as_json() for d in self.decisions]}


def evaluate(
    pipelines: Sequence[RegisteredPipeline], event: Event, git: Git, *, examples: int = EXAMPLES
) -> TriggerReport:
    """Decide, for every pipeline, whether ``event`` runs it."""
    decide: _Decider
    if isinstance(event, Manual):
        decide = _ManualDecider(event, git)
    elif isinstance(event, PullRequest):
        decide = _PullRequestDecider(event, git, examples)
    elif isinstance(event, Tag) or (isinstance(event, Push) and event.is_tag):
        sha = event.sha if isinstance(event, Tag) else event.after
        decide = _TagDecider(event.ref, sha, git)
    elif isinstance(event, NewBranch):
        decide = _BranchDecider(event.ref, ZERO_SHA, event.sha, git, examples)
    else:
        decide = _BranchDecider(event.ref, event.before, event.after, git, examples)
    return TriggerReport(event, tuple(decide(p) for p in pipelines))


# ------------------------------------------------------------------------ deciders


class _Decider:
    ref: str
    sha: str | None

    def __call__(self, p: RegisteredPipeline) -> Decision:
        raise NotImplementedError

    def skip(
        self, p: RegisteredPipeline, code: str, reason: str, changes: Changes | None = None
    ) -> Decision:
        return Decision(p.name, p.file, False, code, reason, None, self.ref, self.sha, changes)

    def go(
        self,
        p: RegisteredPipeline,
        code: str,
        reason: str,
        why: BuildReason,
        changes: Changes | None = None,
    ) -> Decision:
        return Decision(p.name, p.file, True, code, reason, why, self.ref, self.sha, changes)


def _files(n: int) -> str:
    return f"{n} changed file" if n == 1 else f"{n} changed files"


def _ci_reason(trigger: CITrigger) -> BuildReason:
    return BuildReason.BATCHED_CI if trigger.batch else BuildReason.INDIVIDUAL_CI


def _ref_skip(match: RefMatch, what: str, name: str, describe: str) -> tuple[str, str]:
    if match.code == "excluded":
        return f"{what}-excluded", f"{what} {name} is excluded by '{match.pattern}'"
    return f"{what}-not-included", f"{what} {name} is not included ({describe})"


class _ManualDecider(_Decider):
    def __init__(self, event: Manual, git: Git) -> None:
        self.event, self.ref = event, event.ref
        self.sha = git.resolve(event.ref)

    def __call__(self, p: RegisteredPipeline) -> Decision:
        if self.sha is None:
            return self.skip(p, "unknown-ref", f"{short_name(self.ref)} does not exist")
        if self.event.pipeline is not None and self.event.pipeline != p.name:
            return self.skip(p, "not-requested", f"manual run of {self.event.pipeline} only")
        return self.go(p, "manual", "manual run requested", BuildReason.MANUAL)


class _TagDecider(_Decider):
    def __init__(self, ref: str, sha: str, git: Git) -> None:
        self.ref, self.deleted = ref, is_zero_sha(sha)
        self.sha = None if self.deleted else (git.resolve(sha) or sha)

    def __call__(self, p: RegisteredPipeline) -> Decision:
        name, t = short_name(self.ref), p.trigger
        if self.deleted:
            return self.skip(p, "tag-deleted", f"tag {name} was deleted")
        if not t.enabled:
            return self.skip(p, "ci-disabled", "CI trigger disabled (trigger: none)")
        tags = compile_ref_filter(t.tags, "tag")
        branches = compile_ref_filter(t.branches, "branch")
        by_tags, by_branches = tags.match(self.ref), branches.match(self.ref)
        for match in (by_tags, by_branches):
            if match.code == "excluded":
                return self.skip(p, "tag-excluded", f"tag {name} is excluded by '{match.pattern}'")
        for match, where in ((by_tags, "tags"), (by_branches, "branches")):
            if match.ok:
                reason = f"tag {name} matches {where} pattern '{match.pattern}'"
                return self.go(p, "tag-matched", reason, _ci_reason(t))
        if not tags.configured:
            return self.skip(
                p, "tags-not-configured", f"tag {name}: the CI trigger has no tags filter"
            )
        return self.skip(p, "tag-not-included", f"tag {name} is not included ({tags.describe()})")


class _PullRequestDecider(_Decider):
    def __init__(self, event: PullRequest, git: Git, examples: int) -> None:
        self.event, self.git, self.examples = event, git, examples
        self.ref = event.source_ref
        self.sha = git.resolve(event.source_sha)

    @cached_property
    def _changes(self) -> tuple[PathIndex, str]:
        assert self.sha is not None
        target = self.git.resolve(self.event.target_sha) or self.git.resolve(self.event.target_ref)
        base = (self.git.merge_base(target, self.sha) if target else None) or target
        if base is None:
            return PathIndex(self.git.tree_files(self.sha)), ZERO_SHA
        return PathIndex(self.git.changed_files(base, self.sha)), base

    def __call__(self, p: RegisteredPipeline) -> Decision:
        pr, ev = p.pr, self.event
        target = short_name(ev.target_ref)
        if not pr.enabled:
            return self.skip(p, "pr-disabled", "PR trigger disabled (pr: none)")
        if ev.is_draft and not pr.drafts:
            return self.skip(p, "draft-pr", f"PR #{ev.number} is a draft (drafts: false)")
        branches = compile_ref_filter(pr.branches, "branch")
        match = branches.match(ev.target_ref)
        if not match.ok:
            code, why = _ref_skip(match, "target", target, branches.describe())
            return self.skip(p, code, why)
        if self.sha is None:
            return self.skip(
                p, "unknown-commit", f"commit {ev.source_sha} is not in the repository"
            )
        index, base = self._changes
        paths = compile_path_filter(pr.paths)
        selection = paths.select(index, self.examples)
        changes = _changes_of("diff", base, self.sha, selection)
        if paths.configured and not selection.matched:
            return self.skip(p, selection.code, selection.reason(), changes)
        head = f"PR #{ev.number} into {target} matches '{match.pattern}'"
        detail = selection.reason() if paths.configured else _files(selection.considered)
        code = "matched" if paths.configured else "branch-matched"
        return self.go(p, code, f"{head}; {detail}", BuildReason.PULL_REQUEST, changes)


def _changes_of(
    source: ChangeSource, base: str | None, head: str | None, sel: PathSelection
) -> Changes:
    return Changes(source, base, head, sel.considered, sel.examples)


class _BranchDecider(_Decider):
    """Pushes to a branch, including the creation of a branch."""

    def __init__(self, ref: str, before: str, after: str, git: Git, examples: int) -> None:
        self.ref, self.before, self.git, self.examples = ref, before, git, examples
        self.deleted = is_zero_sha(after)
        self.sha = None if self.deleted else git.resolve(after)
        self.after = after

    @cached_property
    def _scene(self) -> tuple[Literal["diff", "tree", "same"], str | None, str]:
        """How to find the changes: ``diff`` from a base, the whole ``tree``, or ``same``
        (a new branch with no commit that its default branch lacks). Plus a note."""
        git, sha = self.git, self.sha
        assert sha is not None
        if not is_zero_sha(self.before) and git.resolve(self.before) is not None:
            return "diff", self.before, ""
        default = git.default_branch()
        if self.ref == HEADS + default:
            return "tree", None, f"first push of the default branch {default}"
        tip = git.resolve(HEADS + default) or git.resolve(f"refs/remotes/origin/{default}")
        if tip is None:
            return "tree", None, f"no default branch {default} to compare with"
        if git.is_ancestor(sha, tip):
            return "same", tip, f"no new commits compared with {default}"
        base = git.merge_base(tip, sha)
        if base is None:
            return "tree", None, f"history unrelated to {default}"
        return "diff", base, f"new branch, compared with its merge-base on {default}"

    @cached_property
    def _changed(self) -> PathIndex:
        kind, base, _ = self._scene
        assert self.sha is not None
        if kind == "diff" and base is not None:
            return PathIndex(self.git.changed_files(base, self.sha))
        if kind == "tree":
            return PathIndex(self.git.tree_files(self.sha))
        return PathIndex(())

    @cached_property
    def _skip_marker(self) -> str | None:
        assert self.sha is not None
        return skip_marker(self.git.commit_message(self.sha))

    @cached_property
    def _tree(self) -> PathIndex:
        assert self.sha is not None
        return PathIndex(self.git.tree_files(self.sha))

    def __call__(self, p: RegisteredPipeline) -> Decision:
        t, name = p.trigger, short_name(self.ref)
        if self.deleted:
            return self.skip(p, "branch-deleted", f"branch {name} was deleted")
        if not t.enabled:
            return self.skip(p, "ci-disabled", "CI trigger disabled (trigger: none)")
        if t.branches.empty and not t.tags.empty:
            return self.skip(p, "tags-only", "the CI trigger names tags only, not branches")
        branches = compile_ref_filter(t.branches, "branch")
        match = branches.match(self.ref)
        if not match.ok:
            code, why = _ref_skip(match, "branch", name, branches.describe())
            return self.skip(p, code, why)
        if self.sha is None:
            return self.skip(p, "unknown-commit", f"commit {self.after} is not in the repository")
        if self._skip_marker:
            return self.skip(
                p,
                "skip-ci",
                f"the head commit {self.sha[:12]} says {self._skip_marker}: push-triggered "
                "runs are skipped (pull request builds are not)",
            )
        kind, base, note = self._scene
        paths = compile_path_filter(t.paths)
        head = f"branch {name} matches '{match.pattern}'"
        if kind == "same":
            return self._new_branch_without_commits(p, match, head, note)
        selection = paths.select(self._changed, self.examples)
        source: ChangeSource = "diff" if kind == "diff" else "tree"
        changes = _changes_of(source, base, self.sha, selection)
        if selection.matched or not paths.configured:
            code = "matched" if paths.configured else "branch-matched"
            detail = selection.reason() if paths.configured else _files(selection.considered)
            suffix = f" ({note})" if note else ""
            return self.go(p, code, f"{head}; {detail}{suffix}", _ci_reason(t), changes)
        return self.skip(p, selection.code, selection.reason(), changes)

    def _new_branch_without_commits(
        self, p: RegisteredPipeline, match: RefMatch, head: str, note: str
    ) -> Decision:
        t, name = p.trigger, short_name(self.ref)
        paths = compile_path_filter(t.paths)
        if not paths.configured:
            changes = Changes("none", self._scene[1], self.sha, 0)
            reason = f"new {head}; no path filter, so it runs without new commits"
            return self.go(p, "new-branch", reason, _ci_reason(t), changes)
        includes = paths.describe_includes()
        if not match.specific:
            changes = Changes("none", self._scene[1], self.sha, 0)
            reason = (
                f"new branch {name} has {note} and matches only the generic pattern "
                f"'{match.pattern}': not affected, no change under {includes}"
            )
            return self.skip(p, "new-branch-no-new-commits", reason, changes)
        selection = paths.select(self._tree, self.examples)
        changes = _changes_of("tree", None, self.sha, selection)
        if selection.matched:
            reason = (
                f"new branch {name} matches {match.pattern}; no new commits, "
                f"files under {includes} exist in its tree"
            )
            return self.go(p, "new-branch-tree-match", reason, _ci_reason(t), changes)
        reason = f"new branch {name} has no new commits and no file under {includes} in its tree"
        return self.skip(p, "no-matching-paths-in-tree", reason, changes)
