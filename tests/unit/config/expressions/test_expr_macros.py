"""``$(macro)`` substitution and finding ``${{ }}`` / ``$[ ]`` inside strings."""

from __future__ import annotations

from typing import Any

import pytest

import shipyard.config.expressions as ex
from shipyard.config.expressions import (
    UNKNOWN,
    EvalContext,
    ExpressionError,
    expand_macros,
    expand_template_expressions,
    find_template_expressions,
    macro_names,
    runtime_expression,
    variable_lookup,
)

VARIABLES = {"a": "1", "Build.SourceBranch": "refs/heads/main", "self": "$(b)", "b": "x"}

MACROS = [
    ("echo $(a)", "echo 1"),
    ("$(A)-$(build.sourcebranch)", "1-refs/heads/main"),  # names ignore case
    ("$(nope) stays", "$(nope) stays"),  # unknown: left as written
    ("$(self)", "$(b)"),  # no recursion into substituted text
    ("$(a", "$(a"),
    ("$(a b)", "$(a b)"),
    ("$$(a)", "$1"),
    ("no macros", "no macros"),
    ("$(late)", "$(late)"),  # unknown until the run: left for the run to fill
]


@pytest.mark.parametrize(("text", "expected"), MACROS)
def test_expand_macros(text: str, expected: str) -> None:
    lookup = variable_lookup({**VARIABLES, "late": UNKNOWN})
    assert expand_macros(text, lookup) == expected


def test_expand_macros_with_any_lookup() -> None:
    assert expand_macros("$(x)$(y)", {"x": "1"}.get) == "1$(y)"
    assert macro_names("$(a) and $(Build.Id) and $(a") == ["a", "Build.Id"]


def test_find_template_expressions() -> None:
    text = "a ${{ variables.x }} b $[ variables['y'] ] c"
    spans = find_template_expressions(text)
    assert [(s.kind, s.expression) for s in spans] == [
        ("template", " variables.x "),
        ("runtime", " variables['y'] "),
    ]
    assert text[spans[0].start : spans[0].end] == "${{ variables.x }}"
    assert text[spans[1].expression_offset :].startswith(" variables['y']")


def test_closing_braces_inside_strings_do_not_end_an_expression() -> None:
    (span,) = find_template_expressions("${{ format('{0}}} ]', 'it''s') }}")
    assert span.expression == " format('{0}}} ]', 'it''s') "


def test_unterminated_template_expression() -> None:
    with pytest.raises(ExpressionError) as err:
        find_template_expressions("x ${{ variables.a ")
    assert err.value.offset == 2
    assert "expected '}}'" in err.value.message


def test_unterminated_runtime_bracket_is_just_text() -> None:
    assert find_template_expressions("echo $[ 1 + 2") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("$[ eq(1, 1) ]", " eq(1, 1) "), ("  $[variables.a]  ", "variables.a"), ("x $[1]", None)],
)
def test_runtime_expression(value: str, expected: str | None) -> None:
    assert runtime_expression(value) == expected


TEMPLATE = EvalContext(parameters={"count": 3, "list": ["a"]}, mode="template")

EXPANSIONS: list[tuple[str, Any]] = [
    ("${{ parameters.count }}", 3.0),  # a whole-value expression keeps its type
    ("${{ parameters.list }}", ["a"]),
    ("n=${{ parameters.count }}!", "n=3!"),
    ("${{ 1 }}${{ true }}", "1True"),
    ("no expression", "no expression"),
    ("keep $[ variables.a ] for later", "keep $[ variables.a ] for later"),
]


@pytest.mark.parametrize(("text", "expected"), EXPANSIONS)
def test_expand_template_expressions(text: str, expected: Any) -> None:
    assert expand_template_expressions(text, TEMPLATE) == expected


def test_template_error_offsets_are_within_the_whole_string() -> None:
    with pytest.raises(ExpressionError) as err:
        expand_template_expressions("ab ${{ foo }}", TEMPLATE)
    assert err.value.offset == 7
    assert "unrecognized value 'foo' at offset 7" in err.value.message


def test_public_api_is_exported() -> None:
    for name in ex.__all__:
        assert hasattr(ex, name), name
