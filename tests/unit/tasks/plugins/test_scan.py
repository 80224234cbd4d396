"""ShipyardScan@1 with a fake gate: which image, which policy, what fails and how it reads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from shipyard.domain.scan import Ignore, ScanPolicy, ScanResult, Severity
from shipyard.flow.builds import StepFailed
from shipyard.tasks import find
from shipyard.tasks.api import TaskPlugin
from shipyard.tasks.plugins.scan import stricter
from tests.unit.tasks.plugins.fakes import IMAGE_ID, BuildContext, finding, judged

URLLIB3 = finding("GHSA-q2q7-5pp4-w6pg", "urllib3", "1.26.4", Severity.HIGH)
PIP = finding("GHSA-mq26-g339-26xf", "pip", "23.0.1", Severity.MEDIUM)


def plugin() -> TaskPlugin:
    found = find("ShipyardScan", 1)
    assert found is not None
    return found


def built(ctx: BuildContext, name: str = "127.0.0.1:5000/staging/package:merge") -> None:
    state = {"images": {name: {"id": IMAGE_ID}}, "charts": {}}
    (ctx.paths.temp / "shipyard-images.json").write_text(json.dumps(state))


@pytest.fixture
def ctx(tmp_path: Path) -> BuildContext:
    return BuildContext(tmp_path)


def test_the_image_this_job_built_is_scanned_by_its_id(ctx: BuildContext) -> None:
    built(ctx)
    outcome = plugin().run(ctx, {"image": "staging/package:merge", "failOn": "high"})
    assert str(outcome.status) == "succeeded", outcome.message
    ((image, archive),) = ctx.toolbox.image_tools.archives
    assert image == IMAGE_ID and archive.name == "image.tar"
    ((target, policy, _out, fmt),) = ctx.toolbox.scan_tool.scans
    assert target == archive and policy.service == "package" and fmt == "cyclonedx-json"
    ((name, folder, kind),) = ctx.published
    assert (name, kind) == ("scan-package", "pipeline")
    assert {p.name for p in folder.iterdir()} >= {"sbom.cdx.json", "scan-result.sarif"}
    (record,) = ctx.recorder.records
    assert (record.kind, record.name, record.digest) == ("scan", "package", IMAGE_ID)
    assert record.data["status"] == "passed" and record.data["artifact"] == "scan-package"


def test_an_image_of_another_job_is_scanned_from_the_registry(ctx: BuildContext) -> None:
    plugin().run(ctx, {"image": "staging/delivery:v1.0.2", "failOn": "high"})
    ((target, _p, _o, _f),) = ctx.toolbox.scan_tool.scans
    assert target == "127.0.0.1:5000/staging/delivery:v1.0.2"
    assert ctx.toolbox.image_tools.archives == []


def test_a_blocking_finding_fails_the_step_naming_advisory_and_package(ctx: BuildContext) -> None:
    built(ctx)
    ctx.toolbox.scan_tool.result = ScanResult(
        "failed",
        "x",
        findings=(judged(URLLIB3, "blocking", "HIGH >= fail_on high"), judged(PIP, "allowed")),
    )
    outcome = plugin().run(ctx, {"image": "staging/package:merge", "failOn": "high"})
    assert str(outcome.status) == "failed"
    assert "GHSA-q2q7-5pp4-w6pg in urllib3 1.26.4 (HIGH)" in outcome.message
    assert "GHSA-mq26" not in outcome.message
    assert any(line.startswith("  BLOCK   GHSA-q2q7-5pp4-w6pg urllib3") for line in ctx.lines)
    assert ctx.recorder.records[0].data["blocking"] == ["GHSA-q2q7-5pp4-w6pg"]
    assert ctx.published, "the evidence is published even when the gate blocks"


def test_a_refused_scan_fails_closed_with_the_reason(ctx: BuildContext) -> None:
    built(ctx)
    refusal = {"code": "advisories-missing", "message": "no advisory data", "hint": "import"}
    ctx.toolbox.scan_tool.result = ScanResult("refused", "x", refusal=refusal)
    outcome = plugin().run(ctx, {"image": "staging/package:merge", "failOn": "high"})
    assert str(outcome.status) == "failed"
    assert "[advisories-missing]: no advisory data (hint: import)" in outcome.message


@pytest.mark.parametrize(
    ("policy", "step", "expected"),
    [
        ("high", "low", "low"),
        ("low", "high", "low"),
        ("critical", "none", "critical"),
        ("none", "medium", "medium"),
        ("high", "high", "high"),
    ],
)
def test_the_stricter_threshold_wins(policy: str, step: str, expected: str) -> None:
    assert stricter(policy, step) == expected  # type: ignore[arg-type]


def test_the_step_threshold_combines_with_the_service_policy(ctx: BuildContext) -> None:
    built(ctx)
    ctx.toolbox.scan_tool.policy = ScanPolicy(fail_on="critical")
    plugin().run(ctx, {"image": "staging/package:merge", "failOn": "medium"})
    assert ctx.toolbox.scan_tool.scans[0][1].fail_on == "medium"
    ctx.toolbox.scan_tool.policy = ScanPolicy(fail_on="low")
    plugin().run(ctx, {"image": "staging/package:merge", "failOn": "high"})
    assert ctx.toolbox.scan_tool.scans[1][1].fail_on == "low"
    assert ctx.published[1][0] == "scan-package", "the first artifact name was free again"


def test_an_ignore_file_adds_ignores_but_no_settings(ctx: BuildContext) -> None:
    built(ctx)
    ctx.toolbox.scan_tool.policy = ScanPolicy(
        ignores=(Ignore("X-1", "r", "a", dt.date(2027, 1, 1)),)
    )
    (ctx.paths.sources / "ignores.toml").write_text(
        '[[scan.ignore]]\nid = "GHSA-q2q7-5pp4-w6pg"\nreason = "not imported"\n'
        'author = "team"\nexpires = 2027-01-31\n'
    )
    plugin().run(ctx, {"image": "staging/package:merge", "ignoreFile": "ignores.toml"})
    ids = [i.advisory_id for i in ctx.toolbox.scan_tool.scans[0][1].ignores]
    assert ids == ["X-1", "GHSA-q2q7-5pp4-w6pg"]
    (ctx.paths.sources / "ignores.toml").write_text('[scan]\nfail_on = "none"\n')
    with pytest.raises(StepFailed, match=r"only \[\[scan\.ignore\]\]"):
        plugin().run(ctx, {"image": "staging/package:merge", "ignoreFile": "ignores.toml"})


def test_a_latest_or_malformed_image_input_fails(ctx: BuildContext) -> None:
    with pytest.raises(StepFailed, match="not a valid image name"):
        plugin().run(ctx, {"image": "Staging/Package:merge"})
    outcome = plugin().run(ctx, {"image": "staging/package:merge", "failOn": "sometimes"})
    assert str(outcome.status) == "failed"
