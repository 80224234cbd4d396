"""The built-in plugins against a recording context."""

from __future__ import annotations

from pathlib import Path

from shipyard.tasks import find
from tests.unit.tasks.fakes import FakeContext
from tests.unit.tasks.test_result_files import JUNIT

FAILING = JUNIT


def _plugin(name: str, major: int):  # type: ignore[no-untyped-def]
    plugin = find(name, major)
    assert plugin is not None
    return plugin


def _results(ctx: FakeContext) -> None:
    target = ctx.paths.sources / "out" / "TEST-unit.xml"
    target.parent.mkdir(parents=True)
    target.write_text(FAILING)


def test_failed_tests_fail_the_publishing_step_when_asked(tmp_path: Path) -> None:
    ctx = FakeContext(tmp_path)
    _results(ctx)
    inputs = {
        "testResultsFormat": "JUnit",
        "testResultsFiles": "**/TEST-*.xml",
        "failTaskOnFailedTests": "true",
    }
    outcome = _plugin("PublishTestResults", 2).run(ctx, inputs)
    assert str(outcome.status) == "failed" and "1 test failure" in outcome.message
    title, cases = ctx.tests[0]
    assert len(cases) == 3 and title == "JUnit results"
    assert any("FAILED pkg.T.bad: expected 1" in line for line in ctx.lines)


def test_failed_tests_warn_by_default(tmp_path: Path) -> None:
    ctx = FakeContext(tmp_path)
    _results(ctx)
    outcome = _plugin("PublishTestResults", 2).run(
        ctx, {"testResultsFormat": "JUnit", "testResultsFiles": "**/TEST-*.xml"}
    )
    assert str(outcome.status) == "succeeded"
    assert ctx.issues == [("warning", "There are 1 test failure(s).")]


def test_missing_result_files_warn_or_fail(tmp_path: Path) -> None:
    ctx = FakeContext(tmp_path)
    plugin = _plugin("PublishTestResults", 2)
    base = {"testResultsFormat": "JUnit", "testResultsFiles": "**/*.xml"}
    assert str(plugin.run(ctx, base).status) == "succeeded" and ctx.issues
    strict = {**base, "failTaskOnMissingResultsFile": "true"}
    assert str(plugin.run(ctx, strict).status) == "failed"


def test_cmdline_writes_the_script_and_runs_bash_like_azure(tmp_path: Path) -> None:
    ctx = FakeContext(tmp_path)
    outcome = _plugin("CmdLine", 2).run(ctx, {"script": "echo hi", "workingDirectory": "sub"})
    argv = ctx.ran[0]["argv"]
    assert argv[:3] == ["/bin/bash", "--noprofile", "--norc"]
    assert Path(argv[3]).read_text() == "echo hi"
    assert ctx.ran[0]["cwd"] == ctx.paths.sources / "sub"
    assert "Script contents:" in ctx.lines and str(outcome.status) == "succeeded"


def test_a_non_zero_exit_fails_with_azures_message(tmp_path: Path) -> None:
    ctx = FakeContext(tmp_path, exit_code=4)
    outcome = _plugin("Bash", 3).run(ctx, {"targetType": "inline", "script": "false"})
    assert outcome.message == "Bash exited with code '4'."


def test_bash_file_path_runs_the_file_with_its_arguments(tmp_path: Path) -> None:
    ctx = FakeContext(tmp_path)
    (ctx.paths.sources / "build.sh").write_text("echo")
    _plugin("Bash", 3).run(
        ctx, {"targetType": "filePath", "filePath": "build.sh", "arguments": "--fast"}
    )
    script = Path(ctx.ran[0]["argv"][1]).read_text()
    assert script == f"exec bash '{ctx.paths.sources}/build.sh' --fast"


def test_powershell_without_pwsh_is_unsupported(tmp_path: Path) -> None:
    ctx = FakeContext(tmp_path, tools={})
    outcome = _plugin("PowerShell", 2).run(ctx, {"targetType": "inline", "script": "x"})
    assert str(outcome.status) == "failed" and "pwsh" in outcome.message


def test_artifact_tasks_publish_and_download(tmp_path: Path) -> None:
    ctx = FakeContext(tmp_path, variables={"System.JobName": "Build"})
    _plugin("PublishPipelineArtifact", 1).run(
        ctx, {"targetPath": "out", "publishLocation": "pipeline"}
    )
    _plugin("PublishBuildArtifacts", 1).run(
        ctx, {"PathtoPublish": "", "ArtifactName": "drop", "publishLocation": "Container"}
    )
    assert ctx.published == [
        ("Build", ctx.paths.sources / "out", "pipeline"),
        ("drop", ctx.paths.staging, "build"),
    ]
    _plugin("DownloadPipelineArtifact", 2).run(
        ctx, {"buildType": "current", "artifactName": "Build", "itemPattern": "**/*.tgz"}
    )
    assert ctx.downloads == [("Build", ctx.paths.workspace, ["**/*.tgz"])]
    outcome = _plugin("DownloadPipelineArtifact", 2).run(ctx, {"buildType": "specific"})
    assert str(outcome.status) == "failed"
