"""Logging commands as steps print them, and why none of them can unmask a secret."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.unit.run.harness import Harness, statuses

SECRET = "hunter2-topsecret"


def _text(h: Harness, run_id: int) -> str:
    return "\n".join(line.text for line in h.store.logs(run_id))


def test_a_secret_is_masked_raw_base64_and_split_across_writes(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    encoded = base64.b64encode(f"user:{SECRET}".encode()).decode()
    run = h.run(
        f"""
steps:
- script: |
    echo "raw $(token)"
    echo "b64 {encoded}"
    chunk part1 hunter2-
    chunk topsecret end\\n
  name: leak
""",
        secrets={"token": SECRET},
    )
    text = _text(h, run.id)
    assert SECRET not in text and "hunter2" not in text
    assert encoded not in text
    assert "raw ***" in text and "part1 *** end" in text


def test_set_secret_variable_masks_it_in_later_steps(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        f"""
steps:
- script: |
    echo "##vso[task.setvariable variable=pw;issecret=true]{SECRET}"
    echo "same step {SECRET}"
- script: echo "later $(pw)"
  name: later
"""
    )
    text = _text(h, run.id)
    assert SECRET not in text
    assert "same step ***" in text and "later ***" in text


def test_no_logging_command_can_unmask_a_secret(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        """
steps:
- script: |
    echo "##vso[task.setvariable variable=copy]$(token)"
    echo "##vso[task.setvariable variable=token;issecret=false]$(token)"
    echo "##vso[task.logissue type=warning]issue $(token)"
    echo "##vso[build.addbuildtag]tag-$(token)"
    echo "##vso[build.updatebuildnumber]n-$(token)"
    echo "##vso[task.complete result=SucceededWithIssues]done $(token)"
- script: echo "copy=$(copy) token=$(token) env=$COPY"
  name: show
""",
        secrets={"token": SECRET},
    )
    text = _text(h, run.id)
    assert SECRET not in text
    assert "copy=*** token=*** env=***" in text
    record = h.store.get_run(run.id)
    assert record is not None
    assert SECRET not in record.build_number and all(SECRET not in t for t in record.tags)
    assert all(SECRET not in i.message for i in h.store.issues(run.id))
    assert str(record.status) == "succeededWithIssues"


def test_logissue_and_complete_set_issues_and_results(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        """
steps:
- script: |
    echo "##vso[task.logissue type=warning;sourcepath=a.py;linenumber=3]careful"
    echo "##vso[task.logissue type=error]bad"
  name: issues
- script: echo "##vso[task.complete result=Failed]nope"
  name: fails
"""
    )
    got = statuses(run)
    assert got["__default/Job/issues"] == "succeeded"
    assert got["__default/Job/fails"] == "failed"
    issues = [(i.type, i.message) for i in h.store.issues(run.id)]
    assert ("warning", "a.py(3): careful") in issues and ("error", "bad") in issues
    assert "##[warning]a.py(3): careful" in h.log(run.id, "issues")


def test_build_number_tags_and_path(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        """
steps:
- script: |
    echo "##vso[build.updatebuildnumber]1.2.3-ci"
    echo "##vso[build.addbuildtag]nightly"
    echo "##vso[task.prependpath]/opt/tool/bin"
- script: echo "n=$(Build.BuildNumber) path=$PATH"
  name: show
"""
    )
    assert run.build_number == "1.2.3-ci" and run.tags == ("nightly",)
    assert any(line.startswith("n=1.2.3-ci path=/opt/tool/bin:") for line in h.log(run.id, "show"))


def test_read_only_variables_are_not_changed(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        """
steps:
- script: echo "##vso[task.setvariable variable=Build.SourceBranch]refs/heads/evil"
- script: echo "branch=$(Build.SourceBranch)"
  name: show
"""
    )
    assert "branch=refs/heads/main" in h.log(run.id, "show")
    assert any("read-only" in i.message for i in h.store.issues(run.id))


def test_uploads_become_artifacts_of_the_run(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run(
        """
steps:
- script: |
    echo "##vso[task.uploadfile]README"
    echo "##vso[artifact.upload artifactname=docs]README"
"""
    )
    kinds = sorted((a.kind, a.files) for a in h.store.artifacts(run.id))
    assert kinds == [("attachment", 1), ("build", 1)]


def test_logging_commands_are_not_stored_in_the_log(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run = h.run('steps:\n- script: echo "##vso[task.setvariable variable=x]1"\n')
    output = [line for line in h.log(run.id) if not line.startswith("##[section]")]
    assert not any("##vso[" in line for line in output)
