"""`shipyard plan` on a real git history of the example monorepo (the reference flow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from shipyard.cli.app import app
from shipyard.cli.demo_cmd import EXAMPLE, run_demo
from shipyard.flow.planner import PipelinePlan, PlanReport

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PlanReport]:
    results = run_demo(EXAMPLE, tmp_path_factory.mktemp("demo"))
    keys = ("feature", "shared", "release", "docs")
    return {key: report for key, (_title, report) in zip(keys, results, strict=True)}


def by_name(report: PlanReport) -> dict[str, PipelinePlan]:
    return {p.name: p for p in report.pipelines}


def steps(plan: PipelinePlan) -> dict[str, bool | None]:
    return {
        step.display_name: step.will_run
        for stage in plan.stages
        for job in stage.jobs
        for step in job.steps
    }


def test_every_example_pipeline_is_valid(reports: dict[str, PlanReport]) -> None:
    for report in reports.values():
        for plan in report.pipelines:
            assert not plan.errors, [e.render() for e in plan.errors]


def test_feature_push_runs_only_delivery_validation(reports: dict[str, PlanReport]) -> None:
    plans = by_name(reports["feature"])
    assert plans["delivery"].decision == "run"
    assert plans["package"].decision == "skip"
    assert plans["workflow"].decision == "skip"
    assert "feature/delivery/x is not included" in plans["package"].reason
    delivery = steps(plans["delivery"])
    ran = [name for name, will in delivery.items() if will]
    skipped = [name for name, will in delivery.items() if will is False]
    assert any("test" in name.lower() for name in ran)
    assert any("push" in name.lower() for name in skipped)
    assert plans["delivery"].variables["fullCI"] == "False"


def test_shared_library_change_runs_its_users(reports: dict[str, PlanReport]) -> None:
    plans = by_name(reports["shared"])
    assert plans["delivery"].decision == "run"
    assert plans["package"].decision == "run"
    assert plans["workflow"].decision == "skip"
    assert plans["workflow"].reason_code


def test_release_branch_without_new_commit_runs_full_ci(reports: dict[str, PlanReport]) -> None:
    plans = by_name(reports["release"])
    delivery = plans["delivery"]
    assert delivery.decision == "run", delivery.reason
    assert "release/delivery/v1.0.2" in delivery.reason
    assert delivery.variables["fullCI"] == "True"
    assert delivery.variables["Build.SourceBranchName"] == "v1.0.2"
    assert all(will is not False for will in steps(delivery).values())
    inputs = [
        step.inputs
        for stage in delivery.stages
        for job in stage.jobs
        for step in job.steps
        if step.task and step.task.startswith("Docker")
    ]
    assert any("v1.0.2" in value for i in inputs for value in i.values())
    assert plans["package"].decision == "skip"
    assert plans["workflow"].decision == "skip"


def test_docs_only_change_runs_nothing_and_says_why(reports: dict[str, PlanReport]) -> None:
    for plan in reports["docs"].pipelines:
        assert plan.decision == "skip"
        assert plan.reason
        assert "not affected" in plan.reason


def test_plan_json_shape(tmp_path: Path) -> None:
    results = run_demo(EXAMPLE, tmp_path)
    repo = tmp_path / "fabrikam"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "plan",
            "--event",
            "branch",
            "--ref",
            "release/delivery/v1.0.2",
            "--repo",
            str(repo),
            "--output",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    schema = json.loads((Path(__file__).parents[2] / "docs" / "plan.schema.json").read_text())
    Draft202012Validator(schema).validate(data)
    assert data["commit"] == results[2][1].commit
    names = {p["name"]: p for p in data["pipelines"]}
    step = names["delivery"]["stages"][0]["jobs"][0]["steps"][0]
    assert {"name", "condition", "will_run", "reason"} <= set(step)
    assert names["package"]["decision"] == "skip"
