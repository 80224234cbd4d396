"""Events: ref normalisation, validation, and batching of pending pushes."""

from __future__ import annotations

import pytest

from shipyard.domain.events import (
    ZERO_SHA,
    InvalidEvent,
    Manual,
    NewBranch,
    PendingChanges,
    PullRequest,
    Push,
    Tag,
    branch_ref,
    check_ref_format,
    merge_pending,
    short_name,
    tag_ref,
)

A, B, C, D = ("a" * 40, "b" * 40, "c" * 40, "d" * 40)


def test_short_names_are_normalised() -> None:
    assert Push("main", A, B).ref == "refs/heads/main"
    assert Push("refs/heads/main", A, B).ref == "refs/heads/main"
    assert Push("refs/tags/v1", A, B).is_tag
    assert NewBranch("release/delivery/v1.0.2", A).ref == "refs/heads/release/delivery/v1.0.2"
    assert Tag("v1.0.2", A).ref == "refs/tags/v1.0.2"
    assert Tag("refs/tags/v1.0.2", A).ref == "refs/tags/v1.0.2"
    pr = PullRequest("feature/x", "main", A, B, 7, "Add x")
    assert (pr.source_ref, pr.target_ref) == ("refs/heads/feature/x", "refs/heads/main")
    assert Manual("main").ref == "refs/heads/main"
    assert short_name("refs/heads/release/x") == "release/x"
    assert short_name("refs/tags/v1") == "v1"


def test_push_flags() -> None:
    assert Push("main", ZERO_SHA, A).is_new_ref
    assert Push("main", A, ZERO_SHA).is_deletion
    assert Push("main", "0" * 64, A).is_new_ref  # SHA-256 repositories
    assert not Push("main", A, B).is_new_ref


def test_shas_are_validated_and_lowercased() -> None:
    assert Push("main", "ABCDEF12", B).before == "abcdef12"
    with pytest.raises(InvalidEvent, match="not a commit id"):
        Push("main", "--upload-pack=x", B)
    with pytest.raises(InvalidEvent):
        Tag("v1", "HEAD")


@pytest.mark.parametrize(
    "name",
    ["--upload-pack=x", 'x";touch${IFS}pwned;#', "feature/ü", "a$(id)", "release/delivery/v1.0.2"],
)
def test_hostile_but_legal_names_are_accepted(name: str) -> None:
    # git accepts them; keeping them inert is the adapters' job, not a reason to refuse.
    assert branch_ref(name) == "refs/heads/" + name


@pytest.mark.parametrize(
    "name",
    ["a b", "a..b", "a~1", "a^", "a:b", "a?", "a*", "a[1]", "a\\b", "a/", "a.", ".a", "a.lock",
     "a//b", "a@{1}", "a\nb", "a\x00b", ""],
)  # fmt: skip
def test_impossible_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidEvent):
        branch_ref(name)


def test_check_ref_format_wants_full_refs() -> None:
    assert check_ref_format("main") is not None
    assert check_ref_format("refs/heads/main") is None
    assert tag_ref("refs/heads/x") == "refs/heads/x"  # a full ref is kept as written


def test_negative_pr_number_is_refused() -> None:
    with pytest.raises(InvalidEvent):
        PullRequest("a", "main", A, B, -1)


# ------------------------------------------------------------------- batching


def test_first_push_starts_pending_changes() -> None:
    pending = merge_pending(None, "delivery", Push("main", A, B))
    assert pending is not None
    assert (pending.pipeline, pending.branch, pending.before, pending.after) == (
        "delivery",
        "refs/heads/main",
        A,
        B,
    )


def test_pushes_during_a_run_fold_into_one_range() -> None:
    pending = merge_pending(None, "delivery", Push("main", A, B))
    pending = merge_pending(pending, "delivery", Push("main", B, C))
    pending = merge_pending(pending, "delivery", Push("main", C, D))
    assert pending is not None
    assert len(pending.pushes) == 3
    assert pending.as_push() == Push("main", A, D)


def test_force_push_keeps_the_unbuilt_range() -> None:
    pending = merge_pending(None, "delivery", Push("main", A, B))
    pending = merge_pending(pending, "delivery", Push("main", C, D))  # history rewritten
    assert pending is not None and pending.as_push() == Push("main", A, D)


def test_redelivered_push_is_idempotent() -> None:
    first = merge_pending(None, "delivery", Push("main", A, B))
    assert merge_pending(first, "delivery", Push("main", A, B)) is first


def test_branch_deletion_drops_pending_changes() -> None:
    pending = merge_pending(None, "delivery", Push("main", A, B))
    assert merge_pending(pending, "delivery", Push("main", B, ZERO_SHA)) is None
    assert merge_pending(None, "delivery", Push("main", B, ZERO_SHA)) is None


def test_new_branch_pending_keeps_zero_before() -> None:
    pending = merge_pending(None, "delivery", Push("release/x", ZERO_SHA, A))
    pending = merge_pending(pending, "delivery", Push("release/x", A, B))
    assert pending is not None and pending.as_push().is_new_ref


def test_pending_changes_are_per_pipeline_and_branch() -> None:
    pending = merge_pending(None, "delivery", Push("main", A, B))
    with pytest.raises(ValueError, match="cannot take"):
        merge_pending(pending, "package", Push("main", B, C))
    with pytest.raises(ValueError, match="cannot take"):
        merge_pending(pending, "delivery", Push("dev", B, C))
    with pytest.raises(ValueError):
        PendingChanges("delivery", "main", ())
    with pytest.raises(ValueError, match="cannot be batched"):
        PendingChanges("delivery", "main", (Push("dev", A, B),))
