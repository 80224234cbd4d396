"""Run-time variables (environment names, taint, secrets) and status roll-up."""

from __future__ import annotations

from shipyard.config import expressions as ex
from shipyard.flow.run.spec import VarDef, VarValue
from shipyard.flow.run.status import Status, from_result_name, result_name, roll_up, worst
from shipyard.flow.run.variables import Scope, env_name, is_event_variable


def _ctx(scope: Scope) -> ex.EvalContext:
    return ex.EvalContext(variables=scope.plain(), mode="runtime")


def test_environment_names_follow_azure() -> None:
    assert env_name("Build.SourceBranch") == "BUILD_SOURCEBRANCH"
    assert env_name("my var.x") == "MY_VAR_X"


def test_event_variables_are_recognised() -> None:
    assert is_event_variable("build.sourcebranchname")
    assert is_event_variable("System.PullRequest.Title")
    assert not is_event_variable("Build.BuildId")


def test_taint_spreads_through_definitions() -> None:
    scope = Scope({"Build.SourceBranchName": VarValue("x;y", tainted=True)})
    problems = scope.define(
        (
            VarDef("tag", "v-$(Build.SourceBranchName)"),
            VarDef("shout", "$[ upper(variables['Build.SourceBranchName']) ]"),
            VarDef("plain", "hello"),
            VarDef("later", "$[ dependencies.A.outputs['s.v'] ]"),
        ),
        _ctx,
    )
    assert problems == []
    assert scope.get("tag") == VarValue("v-x;y", tainted=True)
    assert scope.get("shout") == VarValue("X;Y", tainted=True)
    assert scope.get("plain") == VarValue("hello")
    assert scope.get("later") is not None and scope.get("later").tainted  # type: ignore[union-attr]


def test_script_text_gets_references_for_tainted_values_only() -> None:
    scope = Scope(
        {
            "Build.SourceBranch": VarValue("refs/heads/$(x)", tainted=True),
            "who": VarValue("world"),
            "tok": VarValue("s3", secret=True, tainted=True),
        }
    )
    text, extra = scope.expand_script("echo $(who) $(Build.SourceBranch) $(tok) $(none)")
    assert text == "echo world ${BUILD_SOURCEBRANCH} ${TOK} $(none)"
    assert extra == {"TOK": "s3"}  # a tainted secret is passed for this step only
    pwsh, _ = scope.expand_script("Write-Host $(Build.SourceBranch)", "pwsh")
    assert pwsh == "Write-Host $env:BUILD_SOURCEBRANCH"
    assert scope.expand("$(Build.SourceBranch)") == "refs/heads/$(x)"  # not re-expanded


def test_secrets_spread_and_stay_out_of_the_environment() -> None:
    scope = Scope({"token": VarValue("abc123", secret=True)})
    scope.define((VarDef("header", "Bearer $(token)"), VarDef("copy", "abc123")), _ctx)
    assert scope.get("header") == VarValue("Bearer abc123", secret=True)
    assert scope.get("copy") == VarValue("abc123", secret=True)
    assert "TOKEN" not in scope.environment() and "HEADER" not in scope.environment()


def test_read_only_variables_are_kept() -> None:
    scope = Scope({"Build.BuildId": VarValue("7", readonly=True)})
    problems = scope.define((VarDef("build.buildid", "8"),), _ctx)
    assert scope.get("Build.BuildId") == VarValue("7", readonly=True)
    assert problems and "read-only" in problems[0]


def test_roll_up_follows_azure() -> None:
    ok, bad, skip = Status.succeeded, Status.failed, Status.skipped
    assert roll_up([(ok, False), (skip, False)]) is ok
    assert roll_up([(ok, False), (bad, True)]) is Status.succeededWithIssues
    assert roll_up([(bad, False), (Status.canceled, False)]) is bad
    assert roll_up([(skip, False), (skip, False)]) is skip
    assert roll_up([]) is skip
    assert worst(Status.succeededWithIssues, Status.canceled) is Status.canceled


def test_result_names_round_trip() -> None:
    for status in (Status.succeeded, Status.succeededWithIssues, Status.failed, Status.canceled):
        assert from_result_name(result_name(status)) is status
    assert Status.waiting.final is False and Status.skipped.final is True
