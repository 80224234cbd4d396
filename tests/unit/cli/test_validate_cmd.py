"""``shipyard validate`` end to end through the CLI: the example monorepo, the article's
snippets, broken and hostile files. Exit codes: 0 valid, 3 invalid; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from shipyard.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "fabrikam"
ARTICLE = ROOT / "tests" / "fixtures" / "article"
ARTICLE_FILES = sorted(ARTICLE.glob("*.yml")) if ARTICLE.is_dir() else []

runner = CliRunner()

BROKEN = """\
trigger:
  branches:
    incude: [main]
steps:
- task: Dockr@1
- script: echo
  condition: eq(1
"""


def validate(*args: str) -> Result:
    result = runner.invoke(app, ["validate", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def test_every_example_pipeline_is_valid_in_text() -> None:
    result = validate(str(EXAMPLE))
    assert result.exit_code == 0, result.output
    for name in ("delivery", "package", "workflow"):
        assert f"{name} (src/shipping/{name}/azure-pipelines.yml): ok" in result.stdout


def test_every_example_pipeline_is_valid_in_json() -> None:
    result = validate(str(EXAMPLE), "--output", "json")
    assert result.exit_code == 0, result.output
    report = as_json(result)
    assert report["valid"] is True and report["diagnostics"] == []
    names = {p["name"] for p in report["pipelines"]}
    assert {"delivery", "package", "workflow"} <= names
    assert all(p["valid"] and p["errors"] == 0 for p in report["pipelines"])


@pytest.mark.skipif(not ARTICLE_FILES, reason="the article fixtures are not there yet")
@pytest.mark.parametrize("path", ARTICLE_FILES, ids=lambda p: p.name)
def test_the_article_snippets_are_valid(path: Path, tmp_path: Path) -> None:
    if path.name == "trigger.yml":
        # The trigger snippet has nothing to run (Azure refuses such a file too): it is
        # checked as the head of a pipeline with one step.
        whole = tmp_path / "azure-pipelines.yml"
        whole.write_text(path.read_text() + "steps:\n- script: echo\n")
        path = whole
    result = validate(str(path))
    assert result.exit_code == 0, result.output
    assert f"{path.stem} " in result.stdout and ": ok" in result.stdout


def test_a_broken_file_exits_3_with_each_place(tmp_path: Path) -> None:
    (tmp_path / "azure-pipelines.yml").write_text(BROKEN)
    result = validate(str(tmp_path / "azure-pipelines.yml"))
    assert result.exit_code == 3
    out = result.output
    assert "azure-pipelines.yml:3:5: error[unknown-key]: unknown key 'incude'" in out
    assert "did you mean 'include'?" in out
    assert "azure-pipelines.yml:5:9: error[unknown-task]: unknown task 'Dockr'" in out
    assert "azure-pipelines.yml:7:14: error[bad-expression]: step condition:" in out
    assert "    | - task: Dockr@1" in out  # the offending line is shown
    assert "3 error(s) in 1 pipeline(s)" in out


def test_a_broken_file_in_json(tmp_path: Path) -> None:
    (tmp_path / "azure-pipelines.yml").write_text(BROKEN)
    result = validate(str(tmp_path), "--output", "json")
    assert result.exit_code == 3
    report = as_json(result)
    assert report["valid"] is False
    assert report["pipelines"] == [
        {"name": "root", "file": "azure-pipelines.yml", "valid": False, "errors": 3, "warnings": 0}
    ]
    places = [(d["file"], d["line"], d["column"], d["code"]) for d in report["diagnostics"]]
    assert places == [
        ("azure-pipelines.yml", 3, 5, "unknown-key"),
        ("azure-pipelines.yml", 5, 9, "unknown-task"),
        ("azure-pipelines.yml", 7, 14, "bad-expression"),
    ]
    assert report["diagnostics"][1]["hint"] == "did you mean 'Docker'?"


def test_one_broken_pipeline_does_not_hide_the_others(tmp_path: Path) -> None:
    (tmp_path / "shipyard.yml").write_text("pipelines:\n  good: good.yml\n  bad: bad.yml\n")
    (tmp_path / "good.yml").write_text("steps:\n- script: echo\n")
    (tmp_path / "bad.yml").write_text("steps: [\n")
    result = validate(str(tmp_path), "--output", "json")
    assert result.exit_code == 3
    report = as_json(result)
    assert {p["name"]: p["valid"] for p in report["pipelines"]} == {"good": True, "bad": False}
    (diag,) = report["diagnostics"]
    assert (diag["file"], diag["line"], diag["code"]) == ("bad.yml", 2, "yaml-syntax")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(bytes(range(256)) * 16, "io", id="binary"),
        pytest.param(b"steps:\n- script: " + b"x" * (2 << 20) + b"\n", "too-large", id="2MB"),
        pytest.param(
            b"a: &a [x,x,x,x,x,x,x,x,x,x]\n"
            + b"".join(
                f"{n}: &{n} [{','.join([f'*{p}'] * 10)}]\n".encode()
                for p, n in zip("abcdef", "bcdefg", strict=True)
            ),
            "too-large",
            id="billion-laughs",
        ),
        pytest.param(b"- " * 10_000 + b"x\n", "too-deep", id="deep"),
        pytest.param(b"steps:\n- template: azure-pipelines.yml\n", "template-cycle", id="self"),
    ],
)
def test_hostile_files_are_refused_cleanly(tmp_path: Path, content: bytes, code: str) -> None:
    (tmp_path / "azure-pipelines.yml").write_bytes(content)
    result = validate(str(tmp_path), "--output", "json")
    assert result.exit_code == 3
    assert [d["code"] for d in as_json(result)["diagnostics"]] == [code]


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = validate(str(tmp_path / "nope"))
    assert result.exit_code == 3
    assert "no such file or folder" in result.output


def test_a_folder_without_pipelines(tmp_path: Path) -> None:
    result = validate(str(tmp_path))
    assert result.exit_code == 0
    assert "no pipelines found" in result.stdout


REAL_WORLD = ROOT / "tests" / "fixtures" / "real-world"


def test_include_latest_tag_is_a_warning_and_the_file_is_valid() -> None:
    result = validate(str(REAL_WORLD / "package-include-latest.yml"), "-o", "json")
    assert result.exit_code == 0, result.output
    data = as_json(result)
    assert data["valid"] is True and data["diagnostics"] == []
    assert [(w["line"], w["code"], w["severity"]) for w in data["warnings"]] == [
        (25, "latest-tag", "warning"),
        (32, "latest-tag", "warning"),
    ]
    text = validate(str(REAL_WORLD / "package-include-latest.yml"))
    assert text.exit_code == 0 and "2 warning(s)" in text.output


def test_a_policy_setting_makes_the_warning_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPYARD_POLICY_WARNINGS_AS_ERRORS", "latest-tag")
    result = validate(str(REAL_WORLD / "package-include-latest.yml"), "-o", "json")
    assert result.exit_code == 3
    assert [d["code"] for d in as_json(result)["diagnostics"]] == ["latest-tag", "latest-tag"]
