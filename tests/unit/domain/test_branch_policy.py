"""Branch policy evaluation: each check says why it holds or not, from what is known now."""

from __future__ import annotations

from shipyard.domain.branch_policy import (
    DEFAULT_POLICY,
    Affected,
    BranchPolicy,
    Build,
    Review,
    Situation,
    blocking,
    evaluate,
    policy_for,
)

S1, S2, T1, T2 = "1" * 40, "2" * 40, "a" * 40, "b" * 40
BOTH = {"web": Affected(True, "matched web/*"), "api": Affected(False, "no change in api/*")}


def states(policy: BranchPolicy, s: Situation) -> dict[str, tuple[str, str]]:
    return {c.name: (c.state, c.detail) for c in evaluate(policy, s)}


def test_the_exact_branch_wins_over_a_glob_and_unknown_branches_get_the_default() -> None:
    exact, glob = BranchPolicy("release/v1", min_reviewers=3), BranchPolicy("release/*")
    assert policy_for("release/v1", [glob, exact]) is exact
    assert policy_for("release/v2", [glob, exact]) is glob
    assert policy_for("main", [glob, exact]) is DEFAULT_POLICY


def test_an_unaffected_required_pipeline_is_satisfied_with_its_reason() -> None:
    policy = BranchPolicy("main", required_pipelines=("web", "api"), min_reviewers=0)
    s = Situation("rita", S1, T1, BOTH, [Build("web", 7, S1, T1, "succeeded")])
    got = states(policy, s)
    assert got["build api"] == ("ok", "not affected by this change: no change in api/*")
    assert got["build web"] == ("ok", "run 7 succeeded")
    assert not blocking(evaluate(policy, s))


def test_builds_of_an_older_target_expire_unless_the_policy_keeps_them() -> None:
    s = Situation("rita", S1, T2, BOTH, [Build("web", 7, S1, T1, "succeeded")])
    assert "expired" in states(DEFAULT_POLICY, s)["build web"][1]
    keep = BranchPolicy("main", builds_expire_on_target_move=False)
    assert states(keep, s)["build web"][0] == "ok"


def test_the_latest_build_of_the_source_decides_and_failures_fail() -> None:
    builds = [Build("web", 7, S1, T1, "succeeded"), Build("web", 9, S1, T1, "failed")]
    assert states(DEFAULT_POLICY, Situation("r", S1, T1, BOTH, builds))["build web"] == (
        "failed",
        "run 9 failed",
    )
    running = [Build("web", 9, S1, T1, "running")]
    assert states(DEFAULT_POLICY, Situation("r", S1, T1, BOTH, running))["build web"][0] == (
        "pending"
    )


def test_reviews_count_others_on_the_current_commit_and_a_rejection_blocks() -> None:
    own = [Review("rita", True, S2)]
    got = states(DEFAULT_POLICY, Situation("rita", S2, T1, {}, reviews=own))["reviewers"]
    assert got[0] == "pending" and "author's own vote does not count" in got[1]
    stale = [Review("sam", True, S1)]
    got = states(DEFAULT_POLICY, Situation("rita", S2, T1, {}, reviews=stale))["reviewers"]
    assert got[0] == "pending" and "reset by a newer push" in got[1]
    sticky = BranchPolicy("main", reset_votes_on_push=False)
    assert states(sticky, Situation("rita", S2, T1, {}, reviews=stale))["reviewers"][0] == "ok"
    changed_mind = [Review("sam", True, S2), Review("sam", False, S2)]
    got = states(DEFAULT_POLICY, Situation("rita", S2, T1, {}, reviews=changed_mind))
    assert got["reviewers"] == ("failed", "rejected by sam")


def test_a_merge_conflict_is_a_failing_check() -> None:
    s = Situation("r", S1, T1, {}, problems=["merge conflicts in web/app.py"])
    assert states(DEFAULT_POLICY, s)["merge"] == ("failed", "merge conflicts in web/app.py")


def test_a_plan_reason_that_already_says_not_affected_is_not_said_twice() -> None:
    affected = {"api": Affected(False, "not affected: no change under api/*")}
    policy = BranchPolicy("main", required_pipelines=("api",), min_reviewers=0)
    got = states(policy, Situation("r", S1, T1, affected))["build api"]
    assert got == ("ok", "not affected: no change under api/*")
