"""The events that can start a run, as typed values.

A webhook, a ``git push`` into Shipyard's own repository and a user typing ``shipyard run``
all become one of :class:`Push`, :class:`NewBranch`, :class:`Tag`, :class:`PullRequest` or
:class:`Manual` before anything else looks at them. Refs are stored in full
(``refs/heads/main``, ``refs/tags/v1.0.2``): short names are accepted and normalised here,
once, so that filters never guess whether ``main`` meant a branch or a tag.

Refs are validated with git's own rules (``git check-ref-format``) so that a value which
can never be a ref is refused at the door. Validation does *not* try to make names "safe":
``x";touch${IFS}pwned;#`` and ``--upload-pack=x`` are legal branch names, and it is the git
adapter's job (argv lists, ``--end-of-options``) and the step runner's job (event data only
as environment values) to keep them inert.

:class:`PendingChanges` and :func:`merge_pending` model ``trigger: batch: true``: while a
run of a pipeline on a branch is in progress, further pushes to that branch are folded into
one pending run, which later builds ``first.before..last.after`` in one go (Azure Pipelines:
"the system waits until the run is completed, then starts another run with all changes that
have not yet been built").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipyard.domain.diagnostics import ShipyardError

ZERO_SHA = "0" * 40
HEADS = "refs/heads/"
TAGS = "refs/tags/"

_SHA_RE = re.compile(r"[0-9a-f]{4,64}")
_FORBIDDEN_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


class InvalidEvent(ShipyardError):
    """An event whose refs or commit ids cannot exist in git."""


def is_zero_sha(sha: str) -> bool:
    """True for git's "no commit" id (all zeros, SHA-1 or SHA-256 length)."""
    return bool(sha) and set(sha) == {"0"}


def check_ref_format(ref: str) -> str | None:
    """Why ``ref`` is not a valid full ref name, or None when it is.

    The rules of ``git check-ref-format`` (without ``--allow-onelevel``), in Python so that
    the domain can refuse impossible refs without running git.
    """
    if not ref.startswith("refs/"):
        return "a full ref starts with 'refs/'"
    if _FORBIDDEN_REF_CHARS.search(ref):
        return "control characters, spaces and ~ ^ : ? * [ \\ are not allowed"
    if ".." in ref or "@{" in ref or "//" in ref:
        return "'..', '@{' and '//' are not allowed"
    if ref.endswith(("/", ".")):
        return "a ref cannot end with '/' or '.'"
    for part in ref.split("/"):
        if not part or part.startswith(".") or part.endswith(".lock"):
            return "a ref component cannot be empty, start with '.' or end with '.lock'"
    return None


def _normalise(name: str, namespace: str, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidEvent(f"empty {what} name")
    full = name if name.startswith("refs/") else namespace + name
    problem = check_ref_format(full)
    if problem:
        raise InvalidEvent(f"{what} {name!r} is not a valid git ref name: {problem}")
    return full


def branch_ref(name: str) -> str:
    """``main`` -> ``refs/heads/main``; a name already starting with ``refs/`` is kept."""
    return _normalise(name, HEADS, "branch")


def tag_ref(name: str) -> str:
    """``v1.0.2`` -> ``refs/tags/v1.0.2``; a name already starting with ``refs/`` is kept."""
    return _normalise(name, TAGS, "tag")


def short_name(ref: str) -> str:
    """``refs/heads/release/x`` -> ``release/x``; ``refs/tags/v1`` -> ``v1``."""
    for prefix in (HEADS, TAGS):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def _sha(value: str, what: str) -> str:
    sha = value.lower() if isinstance(value, str) else ""
    if not _SHA_RE.fullmatch(sha):
        raise InvalidEvent(f"{what} {value!r} is not a commit id (4 to 64 hex digits)")
    return sha


@dataclass(frozen=True, slots=True)
class Push:
    """Commits pushed to one ref: ``before`` -> ``after``.

    ``before`` all zeros means the ref was created; ``after`` all zeros means it was deleted.
    A push of a ``refs/tags/`` ref is a tag push (see :attr:`is_tag`).
    """

    ref: str
    before: str
    after: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", branch_ref(self.ref))
        object.__setattr__(self, "before", _sha(self.before, "before"))
        object.__setattr__(self, "after", _sha(self.after, "after"))

    @property
    def is_new_ref(self) -> bool:
        return is_zero_sha(self.before)

    @property
    def is_deletion(self) -> bool:
        return is_zero_sha(self.after)

    @property
    def is_tag(self) -> bool:
        return self.ref.startswith(TAGS)


@dataclass(frozen=True, slots=True)
class NewBranch:
    """A branch created at ``sha`` (a push whose ``before`` was the zero id)."""

    ref: str
    sha: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", branch_ref(self.ref))
        object.__setattr__(self, "sha", _sha(self.sha, "sha"))


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag pushed (or moved) to ``sha``; the zero id means the tag was deleted."""

    ref: str
    sha: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", tag_ref(self.ref))
        object.__setattr__(self, "sha", _sha(self.sha, "sha"))


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request opened or updated: ``source_ref`` proposed into ``target_ref``."""

    source_ref: str
    target_ref: str
    source_sha: str
    target_sha: str
    number: int
    title: str = ""
    is_draft: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "source_ref", branch_ref(self.source_ref))
        object.__setattr__(self, "target_ref", branch_ref(self.target_ref))
        object.__setattr__(self, "source_sha", _sha(self.source_sha, "source_sha"))
        object.__setattr__(self, "target_sha", _sha(self.target_sha, "target_sha"))
        if self.number < 0:
            raise InvalidEvent(f"pull request number {self.number} is negative")


@dataclass(frozen=True, slots=True)
class Manual:
    """A user asked for a run of ``ref``; ``pipeline`` narrows it to one pipeline by name."""

    ref: str
    pipeline: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", branch_ref(self.ref))


Event = Push | NewBranch | Tag | PullRequest | Manual


@dataclass(frozen=True, slots=True)
class PendingChanges:
    """Pushes to one branch waiting for the next batched run of one pipeline.

    The batched run builds :attr:`after` and considers every file changed since
    :attr:`before`, the last commit that a run of this pipeline already saw.
    """

    pipeline: str
    branch: str
    pushes: tuple[Push, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "branch", branch_ref(self.branch))
        if not self.pushes:
            raise ValueError("PendingChanges needs at least one push")
        for push in self.pushes:
            if push.ref != self.branch:
                raise ValueError(f"push to {push.ref} cannot be batched on {self.branch}")

    @property
    def before(self) -> str:
        return self.pushes[0].before

    @property
    def after(self) -> str:
        return self.pushes[-1].after

    def as_push(self) -> Push:
        """The one push that the batched run evaluates and builds."""
        return Push(self.branch, self.before, self.after)


def merge_pending(
    pending: PendingChanges | None, pipeline: str, push: Push
) -> PendingChanges | None:
    """Fold ``push`` into the changes waiting for ``pipeline`` on ``push.ref``.

    - No pending changes yet: a new :class:`PendingChanges` holding ``push``.
    - The same push delivered twice (a webhook retry): unchanged.
    - A deletion of the branch: None, since there is nothing left to build.
    - Otherwise ``push`` is appended. A force push that rewrote history is kept too: the
      range stays ``first.before..last.after``, which is exactly what no run has seen yet.
    """
    if pending is not None and (pending.pipeline != pipeline or pending.branch != push.ref):
        raise ValueError(
            f"pending changes of {pending.pipeline} on {pending.branch} cannot take "
            f"a push for {pipeline} on {push.ref}"
        )
    if push.is_deletion:
        return None
    if pending is None:
        return PendingChanges(pipeline, push.ref, (push,))
    if push in pending.pushes:
        return pending
    return PendingChanges(pipeline, pending.branch, (*pending.pushes, push))
