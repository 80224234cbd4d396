"""``shipyard expr``: value and type in text or JSON, exit code 3 and a caret when invalid."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from shipyard.cli.app import app

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["expr", *args])


TEXT_CASES = [
    (
        [
            "eq(variables['Build.SourceBranch'], 'refs/heads/main')",
            "--var",
            "build.sourcebranch=refs/heads/main",
        ],
        "True (Boolean)",
    ),
    (["format('{0}-{1}', parameters.env, 1.50)", "--param", "env=prod"], "'prod-1.5' (String)"),
    (["variables.missing"], "null (Null)"),
    (["1.2.3"], "1.2.3 (Version)"),
    (["succeeded()"], "True (Boolean)"),
    (["succeeded()", "--status", "Failed"], "False (Boolean)"),
    (["failed()", "--status", "failed"], "True (Boolean)"),
    (["canceled()", "--status", "Canceled"], "True (Boolean)"),
    (["succeeded('Build')", "--dep", "Build=SucceededWithIssues"], "True (Boolean)"),
    (["succeeded()", "--dep", "A=Succeeded", "--dep", "B=Failed"], "False (Boolean)"),
    (["dependencies.Build.result", "--dep", "Build=Skipped"], "'Skipped' (String)"),
    (["containsValue(parameters.regions, 'EU')", "--param", "regions=[us, eu]"], "True (Boolean)"),
    (["eq(variables.tag, 'v1')", "--unknown", "tag"], "unknown (only the run can tell) (Unknown)"),
    (["succeeded()", "--status", "Unknown"], "(Unknown)"),
    (["counter('x', 5)"], "5 (Number)"),
    (["''"], "'' (String)"),
]


@pytest.mark.parametrize(("args", "expected"), TEXT_CASES)
def test_text_output(args: list[str], expected: str) -> None:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert expected in result.stdout


JSON_CASES: list[tuple[list[str], dict[str, Any]]] = [
    (["eq(1, '1')"], {"value": True, "type": "Boolean"}),
    (["length('abc')"], {"value": 3, "type": "Number"}),
    (["gt(1.10.0, '1.9')"], {"value": True, "type": "Boolean"}),
    (["1.2.3"], {"value": "1.2.3", "type": "Version"}),
    (["split('a,b', ',')"], {"value": ["a", "b"], "type": "Array"}),
    (["parameters.o", "--param", "o={k: 1.5}"], {"value": {"k": 1.5}, "type": "Object"}),
    (["variables.t", "--unknown", "t"], {"value": None, "type": "Unknown"}),
    (["variables.none"], {"value": None, "type": "Null"}),
]


@pytest.mark.parametrize(("args", "expected"), JSON_CASES)
def test_json_output(args: list[str], expected: dict[str, Any]) -> None:
    result = run(*args, "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected


def test_invalid_expression_exits_3_with_a_caret() -> None:
    result = run("and(succeeded(), startswith2(variables.a, 'x'))")
    assert result.exit_code == 3
    assert (
        "unknown function 'startswith2' at offset 17; did you mean 'startsWith'?" in result.stderr
    )
    lines = result.stderr.splitlines()
    expression_line = next(i for i, line in enumerate(lines) if "and(succeeded()" in line)
    caret_line = lines[expression_line + 1]
    assert caret_line.index("^") == lines[expression_line].index("startswith2")
    assert "Traceback" not in result.output


def test_invalid_expression_as_json() -> None:
    result = run("eq(1, 2", "-o", "json")
    assert result.exit_code == 3
    payload = json.loads(result.stdout)
    assert payload == {
        "error": "unexpected end of expression: expected ')'",
        "exit_code": 3,
        "offset": 7,
        "expected": "')'",
        "expression": "eq(1, 2",
    }


def test_evaluation_error_exits_3() -> None:
    result = run("gt(1, 'abc')")
    assert result.exit_code == 3
    assert "cannot convert String 'abc' to Number" in result.stderr
    assert "Traceback" not in result.output


def test_status_functions_are_refused_in_template_mode() -> None:
    result = run("succeeded()", "--mode", "template")
    assert result.exit_code == 3
    assert "not available in template expressions" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["x", "--var", "novalue"], ["x", "--status", "Great"], ["x", "--mode", "compile"]],
)
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_help_teaches_with_examples() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert "--var" in result.stdout and "--status" in result.stdout


@pytest.mark.parametrize(
    ("args", "shown"),
    [(["-1.2"], "-1.2 (Number)"), (["-5"], "-5 (Number)"), (["--", "-1.2"], "-1.2 (Number)")],
)
def test_a_negative_number_is_an_expression_not_an_option(args: list[str], shown: str) -> None:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == shown


def test_a_negative_number_with_options_after_it() -> None:
    result = run("-1.2", "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"value": -1.2, "type": "Number"}


def test_a_mistyped_option_says_so_and_how_to_pass_a_dash_expression() -> None:
    result = run("--bogus")
    assert result.exit_code == 2
    assert "no such option '--bogus'" in result.output
    assert "shipyard expr -- EXPRESSION" in result.output
