"""Trigger decisions for every pipeline, with an in-memory repository (tests/fakes/git.py)."""

from __future__ import annotations

import pytest

from shipyard.domain.events import ZERO_SHA, Manual, NewBranch, PullRequest, Push, Tag
from shipyard.domain.pipeline import CITrigger, Filter, PRTrigger
from shipyard.flow.trigger import BuildReason, RegisteredPipeline, TriggerReport, evaluate
from tests.fakes.git import FakeGit

DELIVERY = "/src/shipping/delivery/"


def f(*include: str, exclude: tuple[str, ...] = ()) -> Filter:
    return Filter(tuple(include), exclude)


PIPELINES = (
    RegisteredPipeline(
        "delivery",
        "src/shipping/delivery/azure-pipelines.yml",
        CITrigger(
            batch=True,
            branches=f(
                "main",
                "release/delivery/v*",
                "refs/release/delivery/v*",
                "feature/*",
                "topic/delivery/*",
            ),
            paths=f(DELIVERY),
        ),
        PRTrigger(branches=f("main"), paths=f(DELIVERY), drafts=False),
    ),
    RegisteredPipeline(
        "package",
        "src/shipping/package/azure-pipelines.yml",
        CITrigger(
            branches=f("main", "release/package/v*", "feature/*"),
            paths=f("/src/shipping/package/"),
        ),
        PRTrigger(branches=f("main"), paths=f("/src/shipping/package/")),
    ),
    RegisteredPipeline(
        "workflow",
        "src/shipping/workflow/azure-pipelines.yml",
        CITrigger(
            branches=f("main", "feature/*", exclude=("feature/experimental/*",)),
            paths=f("src/shipping/workflow", "src/shared", exclude=("**/*.md",)),
        ),
    ),
    RegisteredPipeline(
        "delivery-lint",
        "ci/lint.yml",
        CITrigger(branches=f("*"), paths=f("src/shipping/delivery")),
    ),
    RegisteredPipeline("everything", "azure-pipelines.yml"),
    RegisteredPipeline(
        "nightly", "ci/nightly.yml", CITrigger(enabled=False), PRTrigger(enabled=False)
    ),
    RegisteredPipeline(
        "release-tags",
        "ci/release.yml",
        CITrigger(branches=f(exclude=("*",)), tags=f("v*", exclude=("v*-rc",))),
    ),
)


@pytest.fixture
def git() -> FakeGit:
    repo = FakeGit()
    repo.commit(
        "main",
        {
            "src/shipping/delivery/app.py": "d1",
            "src/shipping/package/app.py": "p1",
            "src/shipping/workflow/app.py": "w1",
            "src/shared/util.py": "s1",
            "docs/index.md": "doc",
            "README.md": "readme",
        },
    )
    return repo


def push(git: FakeGit, branch: str, files: dict[str, str | bytes | None]) -> Push:
    before = git.refs.get(f"refs/heads/{branch}", ZERO_SHA)
    after = git.commit(branch, files)
    return Push(branch, before, after)


def ran(report: TriggerReport) -> set[str]:
    return {d.pipeline for d in report.runs}


# -------------------------------------------------------------------- pushes


def test_feature_push_touching_delivery_runs_only_delivery(git: FakeGit) -> None:
    git.branch("feature/delivery-eta", git.head("main"))
    event = push(git, "feature/delivery-eta", {"src/shipping/delivery/eta.py": "x"})
    report = evaluate(PIPELINES, event, git)

    assert ran(report) == {"delivery", "delivery-lint", "everything"}
    delivery = report.decision("delivery")
    assert delivery.code == "matched"
    assert delivery.build_reason is BuildReason.BATCHED_CI  # batch: true
    assert delivery.sha == event.after and delivery.ref == "refs/heads/feature/delivery-eta"
    assert delivery.changes is not None
    assert delivery.changes.count == 1
    assert delivery.changes.examples == ("src/shipping/delivery/eta.py",)
    assert "feature/*" in delivery.reason
    assert report.decision("delivery-lint").build_reason is BuildReason.INDIVIDUAL_CI

    package = report.decision("package")
    assert package.code == "no-matching-paths"
    assert package.reason == "not affected: no change under /src/shipping/package/"
    assert report.decision("nightly").reason == "CI trigger disabled (trigger: none)"
    assert report.decision("release-tags").code == "branch-excluded"


def test_push_to_main_touching_shared_runs_the_pipelines_that_include_it(git: FakeGit) -> None:
    event = push(git, "main", {"src/shared/util.py": "s2"})
    report = evaluate(PIPELINES, event, git)
    assert ran(report) == {"workflow", "everything"}
    assert report.decision("workflow").changes.examples == ("src/shared/util.py",)  # type: ignore[union-attr]


def test_docs_only_change_runs_nothing_path_filtered(git: FakeGit) -> None:
    event = push(git, "main", {"docs/index.md": "new", "src/shared/NOTES.md": "n"})
    report = evaluate(PIPELINES, event, git)
    assert ran(report) == {"everything"}
    assert report.decision("delivery").reason == f"not affected: no change under {DELIVERY}"
    workflow = report.decision("workflow")
    assert workflow.code == "paths-excluded" and "**/*.md" in workflow.reason
    for d in report.skipped:
        assert d.reason and d.code and d.build_reason is None


def test_branch_not_included_names_the_branch_and_filter(git: FakeGit) -> None:
    git.branch("hotfix/x", git.head("main"))
    report = evaluate(PIPELINES, push(git, "hotfix/x", {"src/shipping/package/a": "1"}), git)
    package = report.decision("package")
    assert package.code == "branch-not-included"
    assert package.reason == (
        "branch hotfix/x is not included (include: main, release/package/v*, feature/*)"
    )


def test_branch_exclude_wins(git: FakeGit) -> None:
    git.branch("feature/experimental/y", git.head("main"))
    event = push(git, "feature/experimental/y", {"src/shared/util.py": "z"})
    workflow = evaluate(PIPELINES, event, git).decision("workflow")
    assert workflow.code == "branch-excluded"
    assert "'feature/experimental/*'" in workflow.reason


def test_git_is_asked_once_per_event_and_not_at_all_when_no_branch_matches(git: FakeGit) -> None:
    event = push(git, "main", {"src/shared/util.py": "s2"})
    many = tuple(
        RegisteredPipeline(f"p{i}", "x.yml", CITrigger(branches=f("main"), paths=f(f"src/{i}")))
        for i in range(50)
    )
    git.calls.clear()
    evaluate(many, event, git)
    assert git.asked("changed_files") == 1

    git.calls.clear()
    none_match = tuple(
        RegisteredPipeline(f"p{i}", "x.yml", CITrigger(branches=f("dev"))) for i in range(5)
    )
    evaluate(none_match, event, git)
    assert git.asked("changed_files") == 0 and git.asked("tree_files") == 0


def test_branch_deleted_skips_everything(git: FakeGit) -> None:
    git.branch("feature/gone", git.head("main"))
    report = evaluate(PIPELINES, Push("feature/gone", git.head("main"), ZERO_SHA), git)
    assert not report.runs
    assert {d.code for d in report.decisions} == {"branch-deleted"}


def test_unknown_commit_is_a_skip_not_a_crash(git: FakeGit) -> None:
    report = evaluate(PIPELINES, Push("main", git.head("main"), "e" * 40), git)
    assert report.decision("everything").code == "unknown-commit"


def test_trigger_with_only_tags_ignores_branch_pushes(git: FakeGit) -> None:
    only_tags = RegisteredPipeline("t", "t.yml", CITrigger(tags=f("v*")))
    report = evaluate((only_tags,), push(git, "main", {"a": "1"}), git)
    assert report.decision("t").code == "tags-only"


def test_unknown_before_falls_back_to_the_merge_base(git: FakeGit) -> None:
    git.branch("feature/x", git.head("main"))
    after = git.commit("feature/x", {"src/shipping/delivery/a.py": "1"})
    report = evaluate(PIPELINES, Push("feature/x", "f" * 40, after), git)
    delivery = report.decision("delivery")
    assert delivery.run and delivery.changes is not None
    assert delivery.changes.base == git.head("main")


# -------------------------------------------------------------- new branches


def test_new_release_branch_without_new_commits_runs_delivery_with_the_reason(
    git: FakeGit,
) -> None:
    main = git.head("main")
    git.branch("release/delivery/v1.0.2", main)
    report = evaluate(PIPELINES, Push("release/delivery/v1.0.2", ZERO_SHA, main), git)

    delivery = report.decision("delivery")
    assert delivery.run and delivery.code == "new-branch-tree-match"
    assert delivery.reason == (
        "new branch release/delivery/v1.0.2 matches release/delivery/v*; no new commits, "
        "files under /src/shipping/delivery/ exist in its tree"
    )
    assert delivery.changes is not None and delivery.changes.source == "tree"
    assert delivery.changes.examples == ("src/shipping/delivery/app.py",)

    lint = report.decision("delivery-lint")  # matched only by '*'
    assert not lint.run and lint.code == "new-branch-no-new-commits"
    assert "generic pattern '*'" in lint.reason

    assert report.decision("package").code == "branch-not-included"
    everything = report.decision("everything")  # no path filter: Azure runs it anyway
    assert everything.run and everything.code == "new-branch"
    assert ran(report) == {"delivery", "everything"}


def test_new_branch_event_is_the_same_as_a_zero_before_push(git: FakeGit) -> None:
    main = git.head("main")
    git.branch("release/delivery/v1.0.3", main)
    a = evaluate(PIPELINES, NewBranch("release/delivery/v1.0.3", main), git)
    b = evaluate(PIPELINES, Push("release/delivery/v1.0.3", ZERO_SHA, main), git)
    assert [d.as_json() for d in a.decisions] == [d.as_json() for d in b.decisions]


def test_new_release_branch_with_specific_match_but_no_files_in_tree(git: FakeGit) -> None:
    git.commit("main", {"src/shipping/delivery/app.py": None})
    main = git.head("main")
    report = evaluate(PIPELINES, NewBranch("release/delivery/v2", main), git)
    assert report.decision("delivery").code == "no-matching-paths-in-tree"


def test_new_branch_with_new_commits_diffs_from_the_merge_base(git: FakeGit) -> None:
    fork = git.head("main")
    git.commit("main", {"src/shipping/package/app.py": "p2"})  # main moves on
    git.branch("feature/delivery-x", fork)
    after = git.commit("feature/delivery-x", {"src/shipping/delivery/x.py": "1"})
    report = evaluate(PIPELINES, NewBranch("feature/delivery-x", after), git)
    assert ran(report) == {"delivery", "delivery-lint", "everything"}
    delivery = report.decision("delivery")
    assert delivery.changes is not None and delivery.changes.base == fork
    assert delivery.changes.count == 1  # main's package change is not counted
    assert "merge-base on main" in delivery.reason


def test_generic_new_branch_with_new_commits_is_evaluated_normally(git: FakeGit) -> None:
    git.branch("spike", git.head("main"))
    after = git.commit("spike", {"src/shipping/delivery/y.py": "1"})
    report = evaluate(PIPELINES, NewBranch("spike", after), git)
    assert report.decision("delivery-lint").code == "matched"


def test_first_push_of_the_default_branch_counts_the_whole_tree() -> None:
    git = FakeGit()
    sha = git.commit("main", {"src/shipping/delivery/a.py": "1", "docs/x.md": "2"})
    report = evaluate(PIPELINES, Push("main", ZERO_SHA, sha), git)
    delivery = report.decision("delivery")
    assert delivery.run and delivery.changes is not None
    assert delivery.changes.source == "tree" and delivery.changes.count == 2
    assert "first push of the default branch" in delivery.reason


def test_new_branch_with_unrelated_history_counts_its_tree(git: FakeGit) -> None:
    orphan = git.commit(None, {"src/shipping/package/a.py": "1"}, parents=())
    git.branch("feature/orphan", orphan)
    report = evaluate(PIPELINES, NewBranch("feature/orphan", orphan), git)
    assert ran(report) == {"package", "everything"}


# ---------------------------------------------------------------------- tags


def test_tags(git: FakeGit) -> None:
    main = git.head("main")
    report = evaluate(PIPELINES, Tag("v1.0.2", main), git)
    release = report.decision("release-tags")
    assert release.run and release.code == "tag-matched"
    assert release.reason == "tag v1.0.2 matches tags pattern 'v*'"
    assert release.build_reason is BuildReason.INDIVIDUAL_CI
    # no tags filter: tags do not trigger, whatever the branch and path filters say
    assert report.decision("everything").code == "tags-not-configured"
    assert report.decision("delivery").code == "tags-not-configured"
    assert report.decision("nightly").code == "ci-disabled"
    assert ran(report) == {"release-tags"}


def test_tag_exclude_and_tag_push_event(git: FakeGit) -> None:
    main = git.head("main")
    report = evaluate(PIPELINES, Push("refs/tags/v2-rc", ZERO_SHA, main), git)
    assert report.decision("release-tags").code == "tag-excluded"
    assert not report.runs


def test_tag_named_in_branches_list(git: FakeGit) -> None:
    p = RegisteredPipeline("b", "b.yml", CITrigger(branches=f("main", "refs/tags/release-*")))
    decision = evaluate((p,), Tag("release-7", git.head("main")), git).decision("b")
    assert decision.run and "branches pattern 'refs/tags/release-*'" in decision.reason


def test_tag_not_included_and_deleted(git: FakeGit) -> None:
    report = evaluate(PIPELINES, Tag("build-5", git.head("main")), git)
    assert report.decision("release-tags").code == "tag-not-included"
    deleted = evaluate(PIPELINES, Tag("v1", ZERO_SHA), git)
    assert {d.code for d in deleted.decisions} == {"tag-deleted"}


# ------------------------------------------------------------- pull requests


def pr_event(
    git: FakeGit, files: dict[str, str | bytes | None], *, draft: bool = False
) -> PullRequest:
    git.branch("feature/pr", git.head("main"))
    source = git.commit("feature/pr", files)
    git.commit("main", {"src/shipping/package/app.py": "moved on"})  # target moves on
    return PullRequest("feature/pr", "main", source, git.head("main"), 42, "A change", draft)


def test_pull_request_diffs_from_the_merge_base(git: FakeGit) -> None:
    report = evaluate(PIPELINES, pr_event(git, {"src/shipping/delivery/pr.py": "1"}), git)
    delivery = report.decision("delivery")
    assert delivery.run and delivery.build_reason is BuildReason.PULL_REQUEST
    assert delivery.changes is not None and delivery.changes.count == 1
    # the target's own change to package is not part of the PR
    assert report.decision("package").code == "no-matching-paths"
    # default pr trigger (none written): every target branch, no path filter
    assert report.decision("everything").code == "branch-matched"
    assert report.decision("nightly").code == "pr-disabled"
    assert report.decision("nightly").reason == "PR trigger disabled (pr: none)"


def test_draft_pull_request(git: FakeGit) -> None:
    report = evaluate(PIPELINES, pr_event(git, {"src/shipping/delivery/a": "1"}, draft=True), git)
    assert report.decision("delivery").code == "draft-pr"  # drafts: false
    assert report.decision("everything").run  # drafts default to true


def test_pull_request_target_must_match(git: FakeGit) -> None:
    git.branch("dev", git.head("main"))
    git.branch("feature/pr", git.head("main"))
    source = git.commit("feature/pr", {"src/shipping/delivery/a": "1"})
    event = PullRequest("feature/pr", "dev", source, git.head("dev"), 3)
    delivery = evaluate(PIPELINES, event, git).decision("delivery")
    assert delivery.code == "target-not-included"
    assert delivery.reason == "target dev is not included (include: main)"


# -------------------------------------------------------------------- manual


def test_manual_runs_every_pipeline_even_with_trigger_none(git: FakeGit) -> None:
    report = evaluate(PIPELINES, Manual("main"), git)
    assert ran(report) == {p.name for p in PIPELINES}
    assert {d.build_reason for d in report.runs} == {BuildReason.MANUAL}


def test_manual_run_of_one_pipeline(git: FakeGit) -> None:
    report = evaluate(PIPELINES, Manual("main", pipeline="nightly"), git)
    assert ran(report) == {"nightly"}
    assert report.decision("delivery").code == "not-requested"
    missing = evaluate(PIPELINES, Manual("no-such-branch"), git)
    assert {d.code for d in missing.decisions} == {"unknown-ref"}


def test_report_as_json(git: FakeGit) -> None:
    report = evaluate(PIPELINES, push(git, "main", {"src/shipping/delivery/a": "1"}), git)
    data = report.as_json()
    decisions = data["decisions"]
    assert isinstance(decisions, list)
    first = decisions[0]
    assert first["pipeline"] == "delivery" and first["run"] is True
    assert first["build_reason"] == "BatchedCI"
    assert first["changes"]["examples"] == ["src/shipping/delivery/a"]
    with pytest.raises(KeyError):
        report.decision("nope")


# -------------------------------------------------------------------- [skip ci]


@pytest.mark.parametrize(
    "message",
    [
        "docs: typo [skip ci]",
        "[CI SKIP] bump",
        "chore: release\n\nskip-checks: true",
        "chore: release\n\nskip-checks:true",
        "***NO_CI*** generated",
        "fix [skip azurepipelines]",
        "fix [azpipelines skip]",
        "fix [skip azp]",
        "fix [azp skip]",
    ],
)
def test_a_skip_marker_in_the_head_commit_skips_push_runs(git: FakeGit, message: str) -> None:
    git.branch("feature/delivery-docs", git.head("main"))
    after = git.commit(
        "feature/delivery-docs", {"src/shipping/delivery/eta.py": "x"}, message=message
    )
    report = evaluate(PIPELINES, Push("feature/delivery-docs", ZERO_SHA, after), git)
    assert ran(report) == set()
    delivery = report.decision("delivery")
    assert delivery.code == "skip-ci"
    assert "push-triggered runs are skipped" in delivery.reason
    assert after[:12] in delivery.reason


def test_a_marker_only_in_an_earlier_commit_skips_nothing(git: FakeGit) -> None:
    git.branch("feature/delivery-docs", git.head("main"))
    before = git.head("main")
    git.commit("feature/delivery-docs", {"src/shipping/delivery/a.py": "1"}, message="[skip ci]")
    after = git.commit("feature/delivery-docs", {"src/shipping/delivery/b.py": "2"}, message="b")
    report = evaluate(PIPELINES, Push("feature/delivery-docs", before, after), git)
    assert "delivery" in ran(report)


def test_words_near_a_marker_do_not_skip(git: FakeGit) -> None:
    git.branch("feature/delivery-docs", git.head("main"))
    message = "explain how skip ci works; skip-checks: true is a trailer"
    after = git.commit(
        "feature/delivery-docs", {"src/shipping/delivery/a.py": "1"}, message=message
    )
    report = evaluate(PIPELINES, Push("feature/delivery-docs", ZERO_SHA, after), git)
    assert "delivery" in ran(report)


def test_pull_request_builds_are_not_skipped_by_a_marker(git: FakeGit) -> None:
    git.branch("feature/pr", git.head("main"))
    source = git.commit("feature/pr", {"src/shipping/delivery/pr.py": "1"}, message="[skip ci]")
    event = PullRequest("feature/pr", "main", source, git.head("main"), 7, "A change", False)
    assert evaluate(PIPELINES, event, git).decision("delivery").run
