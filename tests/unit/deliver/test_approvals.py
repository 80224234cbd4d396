"""Who may approve a deploy, and when the votes are enough."""

from __future__ import annotations

from shipyard.deliver.approvals import Question, Vote, outcome, refusal
from shipyard.deliver.environments import Approvers, default_policy

GROUPS = {"release-managers": ("rita", "sam")}


def question(**kw: object) -> Question:
    base: dict[str, object] = {
        "environment": "production",
        "service": "delivery",
        "version": "v1.0.2",
        "author": "dev",
        "image": "127.0.0.1:5000/staging/delivery:v1.0.2",
        "image_digest": "sha256:" + "a" * 64,
        "chart": "oci://127.0.0.1:5000/helm/delivery:v1.0.2",
        "chart_digest": "sha256:" + "b" * 64,
        "expires_at": 1000.0,
        "approvers": ("group:release-managers", "olga"),
        "minimum": 1,
    }
    base.update(kw)
    return Question(**base)  # type: ignore[arg-type]


def test_the_question_survives_the_store_as_plain_data() -> None:
    q = question(minimum=2, allow_self_approval=True)
    assert Question.from_data(q.as_data()) == q


def test_an_approver_by_group_or_name_may_vote() -> None:
    assert refusal(question(), "rita", GROUPS, now=10) == ""
    assert refusal(question(), "olga", GROUPS, now=10) == ""


def test_someone_outside_the_approvers_is_refused_with_the_list() -> None:
    why = refusal(question(), "mallory", GROUPS, now=10)
    assert "mallory is not an approver of production" in why
    assert "group:release-managers" in why


def test_the_author_may_not_approve_unless_allowed() -> None:
    q = question(approvers=(), author="rita")
    assert "author" in refusal(q, "rita", GROUPS, now=10)
    assert (
        refusal(question(approvers=(), author="rita", allow_self_approval=True), "rita", {}) == ""
    )


def test_an_expired_question_takes_no_votes() -> None:
    assert "expired" in refusal(question(), "rita", GROUPS, now=1000.0)


def test_one_vote_per_person() -> None:
    votes = [Vote("rita", True)]
    assert "already voted" in refusal(question(), "rita", GROUPS, votes, now=10)


def test_quorum_counts_distinct_approvers_and_a_rejection_ends_it() -> None:
    q = question(minimum=2)
    assert outcome(q, [Vote("rita", True)]) is None
    assert outcome(q, [Vote("rita", True), Vote("sam", True)]) is True
    assert outcome(q, [Vote("rita", True), Vote("sam", False)]) is False


def test_embedded_defaults_follow_the_reference_flow() -> None:
    qa = default_policy("qa", "devtest", "qa", "qa")
    prod = default_policy("production", "prod", "production", "production")
    assert not qa.approvers.required and qa.registry_namespace == "staging"
    assert prod.approvers == Approvers(minimum=1)
    assert prod.require_digest and not prod.allow_root
    assert prod.manifest_policy("127.0.0.1:5000").image_prefix == "127.0.0.1:5000/prod/"
