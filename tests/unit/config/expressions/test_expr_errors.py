"""Errors say what is wrong, where (0-based offset) and what was expected."""

from __future__ import annotations

import pytest

from shipyard.config.expressions import (
    MAX_DEPTH,
    EvalContext,
    ExpressionError,
    evaluate_text,
    parse,
)
from shipyard.domain.diagnostics import ExitCode

PARSE_ERRORS: list[tuple[str, str, int]] = [
    (
        "startswith2('a','b')",
        "unknown function 'startswith2' at offset 0; did you mean 'startsWith'?",
        0,
    ),
    ("counter2('a', 1)", "unknown function 'counter2' at offset 0; did you mean 'counter'?", 0),
    ("frobnicate(1)", "unknown function 'frobnicate' at offset 0", 0),
    ("eq(1, 2", "unexpected end of expression: expected ')'", 7),
    ("and(true", "unexpected end of expression: expected ',' or ')'", 8),
    ("eq(1 2)", "unexpected '2' at offset 5: expected ',' or ')'", 5),
    (
        "eq(1, 2))",
        "unexpected ')' at offset 8: expected the end of the expression "
        "(is there one ')' too many?)",
        8,
    ),
    (
        "eq(1, 2) eq(1, 2)",
        "unexpected 'eq' at offset 9: expected the end of the expression",
        9,
    ),
    ("eq(1)", "too few arguments to eq() at offset 4: it takes at least 2, got 1", 4),
    ("in()", "too few arguments to in() at offset 3: it takes at least 1, got 0", 3),
    ("format()", "too few arguments to format() at offset 7: it takes at least 1, got 0", 7),
    ("not(true, false)", "too many arguments to not() at offset 10: it takes at most 1", 10),
    ("always(1)", "too many arguments to always() at offset 7: it takes at most 0", 7),
    ("contains('a', 'b', 'c')", "too many arguments to contains() at offset 19", 19),
    ("", "empty expression: expected a value", 0),
    ("   ", "empty expression: expected a value", 0),
    ("'abc", "unterminated string starting at offset 0: expected a closing quote (')", 0),
    ("eq('a, 'b')", "unterminated string starting at offset 9", 9),
    ("foo", "unrecognized value 'foo' at offset 0: expected a literal, a function call", 0),
    ("eq(variabels.x, 1)", "unrecognized value 'variabels' at offset 3", 3),
    ("variabels.x", "did you mean 'variables'?", 0),
    ("succeeded", "'succeeded' at offset 0 is a function: expected '(' after it", 9),
    ("eq(1,,2)", "unexpected ',' at offset 5: expected a value", 5),
    ("eq(1, )", "unexpected ')' at offset 6: expected a value", 6),
    ("1.2.3.4.5", "invalid version '1.2.3.4.5' at offset 0", 0),
    ("eq(1.2.3.4.5, 1)", "invalid version '1.2.3.4.5' at offset 3", 3),
    ("-abc", "invalid number '-abc' at offset 0", 0),
    ("eq(1x, 1)", "invalid number '1x' at offset 3", 3),
    ("variables.['x']", "unexpected '[' at offset 10: expected a property name or '*'", 10),
    ("variables.1", "unexpected '1' at offset 10: expected a property name or '*'", 10),
    ("variables[1", "unexpected end of expression: expected ']'", 11),
    ("variables['a' 'b']", "unexpected ''b'' at offset 14: expected ']'", 14),
    ("$(foo)", "unrecognized text '$' at offset 0", 0),
    ("eq(variables.a, 'b') and", "unexpected 'and' at offset 21", 21),
    ("'a'.length", "unexpected '.' at offset 3: expected the end of the expression", 3),
]


@pytest.mark.parametrize(("expression", "message", "offset"), PARSE_ERRORS)
def test_parse_error(expression: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as err:
        parse(expression)
    assert message in err.value.message
    assert err.value.offset == offset


def test_error_is_an_invalid_input_exit_code() -> None:
    with pytest.raises(ExpressionError) as err:
        parse("eq(1")
    assert err.value.exit_code is ExitCode.INVALID
    assert err.value.expected == "',' or ')'"


def test_length_limit() -> None:
    parse("'" + "x" * 9_998 + "'")  # exactly 10,000 characters
    with pytest.raises(ExpressionError) as err:
        parse("'" + "x" * 9_999 + "'")
    assert "too long (10001 characters; the limit is 10000)" in err.value.message
    assert err.value.offset == 10_000


def test_depth_limit_on_calls() -> None:
    ok = "not(" * MAX_DEPTH + "true" + ")" * MAX_DEPTH
    assert evaluate_text(ok, EvalContext()) is True  # an even number of not()s
    with pytest.raises(ExpressionError) as err:
        parse("not(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1))
    assert "nested too deeply at offset 200: the limit is 50 levels" in err.value.message
    assert err.value.offset == 200


def test_depth_limit_on_indexing() -> None:
    assert evaluate_text("parameters" + ".a" * MAX_DEPTH, EvalContext()) is None
    with pytest.raises(ExpressionError) as err:
        parse("parameters" + ".a" * (MAX_DEPTH + 1))
    assert err.value.offset == 10 + 2 * MAX_DEPTH


def test_depth_limit_on_a_deep_hostile_input_does_not_recurse_away() -> None:
    with pytest.raises(ExpressionError) as err:
        parse("eq(" * 3_000)
    assert "nested too deeply" in err.value.message


EVALUATION_ERRORS: list[tuple[str, str, int]] = [
    (
        "gt(1, 'abc')",
        "gt(): cannot convert String 'abc' to Number (the type of the left operand) at offset 6",
        6,
    ),
    ("lt(1.2.3, 2)", "lt(): cannot convert Number 2 to Version", 10),
    ("ge(parameters.list, 1)", "ge(): cannot convert Array [...] to Number at offset 3", 3),
    ("le(1, parameters.list)", "le(): cannot convert Array [...] to Number", 6),
    ("contains(parameters.list, 'us')", "contains(): cannot convert Array to String", 9),
    ("startsWith('a', parameters.map)", "startsWith(): cannot convert Object to String", 16),
    ("format('{0}')", "format(): {0} refers to argument 0 but only 0 arguments follow", 7),
    ("format('{2}', 1, 2)", "{2} refers to argument 2 but only 2 arguments follow", 7),
    ("format('{', 1)", "format(): invalid format string: '{' at position 0", 7),
    ("format('{x}', 1)", "must be followed by an argument number", 7),
    ("format('{0', 1)", "is not closed by '}'", 7),
    ("format('a } b', 1)", "unmatched '}' at position 2", 7),
    (
        "format('{0:yyyy}', 1)",
        "the format specifier 'yyyy' applies to dates only, not to Number",
        19,
    ),
    ("format('{0}', parameters.list)", "format(): cannot convert Array to String", 14),
    ("length(1)", "length(): expected a String, an Array or an Object, got Number", 7),
    ("lower(parameters.map)", "lower(): cannot convert Object to String", 6),
]


@pytest.mark.parametrize(("expression", "message", "offset"), EVALUATION_ERRORS)
def test_evaluation_error(expression: str, message: str, offset: int) -> None:
    ctx = EvalContext(parameters={"list": ["us"], "map": {"a": 1}})
    with pytest.raises(ExpressionError) as err:
        evaluate_text(expression, ctx)
    assert message in err.value.message
    assert err.value.offset == offset


def test_contains_on_an_array_hints_at_contains_value() -> None:
    with pytest.raises(ExpressionError) as err:
        evaluate_text("contains(parameters.list, 'us')", EvalContext(parameters={"list": []}))
    assert "containsValue" in err.value.hint


def test_unsupported_date_specifier() -> None:
    from datetime import UTC, datetime

    ctx = EvalContext(named_values={"pipeline": {"startTime": datetime(2024, 1, 2, tzinfo=UTC)}})
    with pytest.raises(ExpressionError) as err:
        evaluate_text("format('{0:yyyy-MM}', pipeline.startTime)", ctx)
    assert "unsupported date format specifier in 'yyyy-MM'" in err.value.message
