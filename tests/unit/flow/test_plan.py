"""Plan-time evaluation: will_run from conditions, variables, build numbers."""

from __future__ import annotations

from datetime import datetime

import pytest

from shipyard.domain.pipeline import Job, Step, Variable
from shipyard.flow.plan import VariableScope, judge, plan_job
from shipyard.flow.predefined import (
    RunFacts,
    build_number,
    predefined_variables,
    short_branch_name,
)

RELEASE = "refs/heads/release/delivery/v1.0.2"


def scope(**values: str) -> VariableScope:
    return VariableScope(values)


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("succeeded()", {}, True),
        ("always()", {}, True),
        ("failed()", {}, None),
        ("succeededOrFailed()", {}, True),
        ("and(succeeded(), eq(variables['fullCI'], 'true'))", {"fullCI": "false"}, False),
        ("and(succeeded(), eq(variables['fullCI'], 'true'))", {"fullCI": "True"}, True),
        ("and(succeeded(), eq(variables['fullCI'], 'true'))", {"FULLCI": "true"}, True),
        ("eq(variables['Build.Reason'], 'PullRequest')", {"Build.Reason": "PullRequest"}, True),
        ("or(failed(), eq(1, 1))", {}, True),
        ("and(failed(), eq(1, 2))", {}, False),
        ("ne(variables['missing'], '')", {}, False),
    ],
)
def test_judge(condition: str, values: dict[str, str], expected: bool | None) -> None:
    assert judge(condition, scope(**values), {}).will_run is expected


def test_judge_reports_the_false_condition() -> None:
    verdict = judge("eq(variables['x'], 'a')", scope(x="b"), {})
    assert verdict.will_run is False
    assert "eq(variables['x'], 'a')" in verdict.reason


def test_runtime_variable_is_evaluated_when_the_job_starts() -> None:
    s = scope(**{"Build.SourceBranch": RELEASE})
    s.add(
        (
            Variable(
                "fullCI",
                "$[ startsWith(variables['build.sourceBranch'], 'refs/heads/release/delivery/v') ]",
            ),
        ),
        {"parameters": {}},
    )
    assert s.get("FullCI") == "True"


def test_macros_resolve_in_order_and_unknown_stay_as_written() -> None:
    s = scope(imageName="delivery")
    s.add((Variable("tag", "$(imageName):$(Build.SourceBranchName)"),), {"parameters": {}})
    assert s.get("tag") == "delivery:$(Build.SourceBranchName)"


def test_secrets_are_masked_in_the_plan() -> None:
    s = VariableScope()
    s.set("token", "s3cr3t-value", secret=True)
    job = Job(
        "Build",
        "Build",
        (Step("script", "CmdLine", "show", "echo s3cr3t-value $(token)"),),
    )
    planned = plan_job(job, s, {}, judge("succeeded()", s, {}))
    assert planned.variables["token"] == "***"
    assert planned.steps[0].script == "echo *** ***"


def test_steps_of_a_job_that_does_not_run_do_not_run() -> None:
    s = scope(fullCI="false")
    job = Job(
        "Release",
        "Release",
        (Step("script", "CmdLine", "hi", "echo hi"),),
        condition="eq(variables['fullCI'], 'true')",
    )
    planned = plan_job(job, s, {}, judge("succeeded()", s, {}))
    assert planned.will_run is False
    assert planned.steps[0].will_run is False
    assert planned.steps[0].reason == "its job does not run"


def test_disabled_step() -> None:
    s = scope()
    job = Job("J", "J", (Step("script", "CmdLine", "x", "true", enabled=False),))
    planned = plan_job(job, s, {}, judge("succeeded()", s, {}))
    assert planned.steps[0].will_run is False


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        (RELEASE, "v1.0.2"),
        ("refs/heads/main", "main"),
        ("refs/tags/v2.0.0", "v2.0.0"),
        ("refs/pull/7/merge", "merge"),
    ],
)
def test_source_branch_name_is_the_last_segment(ref: str, name: str) -> None:
    assert short_branch_name(ref) == name


def test_predefined_variables_of_a_pull_request() -> None:
    facts = RunFacts(
        pipeline="delivery",
        repository="fabrikam",
        ref="refs/pull/7/merge",
        sha="a" * 40,
        reason="PullRequest",
        pr_number=7,
        pr_source_ref="refs/heads/feature/x",
        pr_target_ref="refs/heads/main",
        pr_title="Add things",
    )
    values = predefined_variables(facts)
    assert values["System.PullRequest.TargetBranch"] == "refs/heads/main"
    assert values["System.PullRequest.PullRequestNumber"] == "7"
    assert values["Build.Reason"] == "PullRequest"
    assert values["System.DefaultWorkingDirectory"].endswith("/s")


WHEN = datetime(2026, 11, 26, 9, 5, 7)


@pytest.mark.parametrize(
    ("fmt", "rev", "expected"),
    [
        ("$(Date:yyyyMMdd)$(Rev:.rr)", 3, "20261126.03"),
        ("", 2, "20261126.2"),
        ("$(Build.DefinitionName)_$(SourceBranchName)_$(Rev:r)", 1, "delivery_v1.0.2_1"),
        ("$(Date:yyyy-MM-dd HH:mm)", 1, "2026-11-26 09_05"),
        ("ci-$(Year:yy)$(Month)$(DayOfMonth)", 1, "ci-261126"),
    ],
)
def test_build_number(fmt: str, rev: int, expected: str) -> None:
    variables = {
        "Build.DefinitionName": "delivery",
        "Build.SourceBranchName": "v1.0.2",
    }
    assert build_number(fmt, variables, WHEN, rev) == expected
