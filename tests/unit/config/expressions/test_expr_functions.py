"""Every function against Azure's documented behaviour, one table row per case.

Where the documentation gives an example, the row uses it verbatim
(``contains('ABCDE', 'BCD')``, ``format('Hello {0} {1}', 'John', 'Doe')``, ...).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shipyard.config.expressions import (
    EvalContext,
    ExpressionError,
    StatusContext,
    Version,
    evaluate,
    evaluate_text,
    parse,
)

START = datetime(2024, 3, 5, 7, 8, 9, 123456, tzinfo=UTC)


def context() -> EvalContext:
    return EvalContext(
        variables={
            "Build.SourceBranch": "refs/heads/main",
            "Build.Reason": "PullRequest",
            "letters": "ABC",
            "numbers": "123",
            "major": "1",
            "empty": "",
        },
        parameters={
            "env": "prod",
            "count": 3,
            "enabled": True,
            "regions": ["us", "eu"],
            "nums": [1, 2, 3],
            "obj": {"a": 1, "Name": "x"},
            "items": [{"id": 1, "a": "v1"}, {"id": 2}, {"a": "v3"}],
        },
        dependencies={"A": {"result": "Succeeded", "outputs": {"printvar.shouldrun": "true"}}},
        stage_dependencies={"S1": {"J1": {"outputs": {"step.var": "x"}}}},
        status=StatusContext(),
        named_values={"pipeline": {"startTime": START}},
    )


CASES: list[tuple[str, Any]] = [
    # --- literals ---
    ("true", True),
    ("TRUE", True),
    ("False", False),
    ("null", None),
    ("1", 1.0),
    ("-1.2", -1.2),
    (".5", 0.5),
    ("5.", 5.0),
    ("'a b c'", "a b c"),
    ("'It''s OK if they''re using contractions.'", "It's OK if they're using contractions."),
    ("''", ""),
    ("1.2.3", Version(1, 2, 3)),
    ("1.2.3.4", Version(1, 2, 3, 4)),
    # --- variables: always strings, names ignore case ---
    ("variables['build.sourceBranch']", "refs/heads/main"),
    ("variables['BUILD.SOURCEBRANCH']", "refs/heads/main"),
    ("variables.letters", "ABC"),
    ("Variables.LETTERS", "ABC"),
    ("variables['noSuch']", None),  # a dictionary miss is Null
    ("variables.noSuch", None),
    ("eq(variables['build.sourceBranch'], variables['Build.SourceBranch'])", True),
    # --- parameters, indexing, filtered arrays ---
    ("parameters.count", 3.0),
    ("parameters.regions[1]", "eu"),
    ("parameters.regions['1']", "eu"),
    ("parameters.regions[5]", None),
    ("parameters.regions[-1]", None),
    ("parameters.regions[0.5]", None),
    ("parameters.obj.name", "x"),
    ("parameters.obj['A']", 1.0),
    ("parameters.env.foo", None),
    ("parameters.items.*.id", [1.0, 2.0]),
    ("parameters.items[*].a", ["v1", "v3"]),
    ("parameters.obj.*", [1.0, "x"]),
    ("length(parameters.items.*.id)", 2.0),
    # --- dependencies ---
    ("dependencies.A.outputs['printvar.shouldrun']", "true"),
    ("dependencies.a.result", "Succeeded"),
    ("dependencies.missing.result", None),
    ("stageDependencies.S1.J1.outputs['step.var']", "x"),
    ("and(succeeded(), ne(dependencies.A.outputs['printvar.shouldrun'], 'false'))", True),
    # --- eq / ne: the right operand takes the left's type; failure means not equal ---
    ("eq('true', true)", True),  # documented: True -> 'True', ignoring case
    ("eq('false', true)", False),
    ("eq(true, 'false')", True),  # any non-empty string is True
    ("eq(true, '')", False),
    ("eq(false, 0)", True),
    ("eq(true, 2)", True),
    ("eq(1, '1')", True),
    ("eq(1, '1.0')", True),
    ("eq(1, ' 1 ')", True),
    ("eq(1000, '1,000')", True),
    ("eq(1, 'abc')", False),
    ("ne(1, 'abc')", True),  # documented: True when the conversion fails
    ("eq(0, '')", True),
    ("eq(0, null)", True),
    ("eq(1, true)", True),
    ("eq(null, '')", True),
    ("eq(null, 0)", False),
    ("eq(variables.noSuch, '')", True),
    ("eq('', variables.noSuch)", True),
    ("eq('abc', 'ABC')", True),
    ("eq('1', 1)", True),
    ("eq('1.0', 1)", False),
    ("eq(1.2.3, '1.2.3')", True),
    ("eq(1.2.3, '1.2.3.0')", False),
    ("eq(1.2, '1.2')", True),
    ("eq('1.2.3', 1.2.3)", True),
    ("eq(1.2.3, 1.2)", False),
    ("eq(parameters.count, 3)", True),
    ("eq(parameters.count, '3')", True),
    ("eq(parameters.enabled, 'yes')", True),
    ("eq(parameters.regions, parameters.regions)", True),
    ("eq(parameters.regions, 'us')", False),
    ("ne(1, 2)", True),
    ("eq(variables.letters, 'ABC')", True),
    # --- ordering ---
    ("gt(5, 2)", True),
    ("ge(5, 5)", True),
    ("lt(2, 5)", True),
    ("le(2, 2)", True),
    ("gt(2, 5)", False),
    ("gt('b', 'A')", True),
    ("lt('a', 'B')", True),
    ("gt('abc', 'ABC')", False),
    ("ge('abc', 'ABC')", True),
    ("gt('10', 9)", False),  # the left is a String: '10' < '9'
    ("gt(10, '9')", True),
    ("lt(False, True)", True),  # documented: 0 vs 1
    ("lt(True, False)", False),
    ("gt(true, 0)", True),
    ("gt(1.10.0, 1.9.0)", True),
    ("gt(1.10.0, '1.9')", True),
    ("lt(1.2.0, '1.2.0.1')", True),
    ("gt(1.2.0, '1.2')", True),
    ("ge(2.0.0, 2.0.0)", True),
    ("gt(null, -1)", True),
    ("lt(null, 1)", True),
    ("gt(5, '')", True),
    # --- and / or / not / xor ---
    ("and(true, true)", True),
    ("and(true, false)", False),
    ("and(1, 'x', 1.2.3)", True),
    ("and(true, '')", False),
    ("and(true, true, false)", False),
    ("and(false, gt(1, 'abc'))", False),  # short-circuit: the error is never reached
    ("or(false, 0, '')", False),
    ("or(false, 'a')", True),
    ("or(eq(1, 1), gt(1, 'abc'))", True),
    ("not(eq(1, 2))", True),
    ("not(0)", True),
    ("not('')", True),
    ("not('false')", False),
    ("not(null)", True),
    ("not(1.2.3)", False),
    ("not(parameters.regions)", False),
    ("xor(True, False)", True),
    ("xor(true, 1)", False),
    # --- in / notIn ---
    ("in('B', 'A', 'B', 'C')", True),
    ("in('b', 'A', 'B')", True),
    ("in('D', 'A', 'B', 'C')", False),
    ("in(1, '1', 2)", True),
    ("in(1, 'abc', 1)", True),
    ("in('a')", False),
    ("notIn('D', 'A', 'B', 'C')", True),
    ("notIn('a', 'A')", False),
    # --- contains / startsWith / endsWith ---
    ("contains('ABCDE', 'BCD')", True),
    ("contains('abcde', 'BCD')", True),
    ("contains('abc', '')", True),
    ("contains(123, 2)", True),
    ("contains(null, 'a')", False),
    ("startsWith('ABCDE', 'AB')", True),
    ("startsWith('ABCDE', 'ab')", True),
    ("startsWith('refs/heads/main', 'refs/tags/')", False),
    ("startsWith(true, 'tr')", True),
    ("endsWith('ABCDE', 'DE')", True),
    ("endsWith(1.2.3, '.3')", True),
    # --- containsValue: items converted to the type of the value sought ---
    ("containsValue(parameters.regions, 'EU')", True),
    ("containsValue(parameters.regions, 'asia')", False),
    ("containsValue(parameters.nums, '2')", True),
    ("containsValue(parameters.nums, 2)", True),
    ("containsValue(parameters.obj, 'X')", True),
    ("containsValue(parameters.obj, 1)", True),
    ("containsValue('abc', 'a')", False),
    ("containsValue(split('a,b', ','), 'B')", True),
    # --- coalesce / iif ---
    ("coalesce(variables.noSuch, '', 'literal so it always works')", "literal so it always works"),
    ("coalesce(variables.empty, variables.noSuch)", None),
    ("coalesce(null, '')", ""),
    ("coalesce(0, 'x')", 0.0),
    ("coalesce(false, 'x')", False),
    ("iif(true, 'a', 'b')", "a"),
    ("iif(0, 'a', 'b')", "b"),
    ("iif('', 'a')", None),
    ("iif(true, 'a')", "a"),
    (
        "iif(eq(variables['Build.Reason'], 'PullRequest'), 'ManagedDevOpsPool', 'Azure Pipelines')",
        "ManagedDevOpsPool",
    ),
    ("iif(true, 1, gt(1, 'x'))", 1.0),  # the branch not taken is not evaluated
    # --- format ---
    ("format('Hello {0} {1}', 'John', 'Doe')", "Hello John Doe"),
    ("format('{0}{0}', 'ab')", "abab"),
    (
        "format('literal left brace {{ and literal right brace }}')",
        "literal left brace { and literal right brace }",
    ),
    ("format('{1}-{0}', 1, 2.5)", "2.5-1"),
    ("format('{0}', true)", "True"),
    ("format('{0}', null)", ""),
    ("format('{0}', 1.2.3)", "1.2.3"),
    ("format('{0}', 0.123456789)", "0.1234568"),
    ("format('{0}', -1.50)", "-1.5"),
    ("format('{0}', 1000000)", "1000000"),
    ("format('{0:yyyyMMdd}', pipeline.startTime)", "20240305"),
    ("format('{0:yyyy\\-M\\-d H\\:m\\:s}', pipeline.startTime)", "2024-3-5 7:8:9"),
    ("format('{0:yy MM dd fff}', pipeline.startTime)", "24 03 05 123"),
    ("format('{0:HH mm ss ffff K}', pipeline.startTime)", "07 08 09 1234 +00:00"),
    ("format('{0}', pipeline.startTime)", "2024-03-05 07:08:09+00:00"),
    # --- join / split ---
    ("join(';', parameters.regions)", "us;eu"),
    ("join(', ', parameters.nums)", "1, 2, 3"),
    ("join(';', parameters.env)", "prod"),  # not an array: the value as a string
    ("join(';', parameters.obj)", ""),
    ("join(';', parameters.items)", ";;"),  # complex items become ''
    ("join('-', split('a b', ' '))", "a-b"),
    ("split('prod1,prod2', ',')", ["prod1", "prod2"]),
    ("split('a,,b,', ',')", ["a", "", "b", ""]),  # empty strings kept
    ("split('a;b,c', ';,')", ["a", "b", "c"]),  # each character is a delimiter
    ("split('/subscriptions/x/resourceGroups', '/')[1]", "subscriptions"),
    ("split('', ',')", [""]),
    ("length(split('a,b,c', ','))", 3.0),
    # --- lower / upper / replace / trim / length ---
    ("lower('FOO')", "foo"),
    ("upper('bah')", "BAH"),
    ("upper(true)", "TRUE"),
    ("lower(null)", ""),
    (
        "replace('https://www.tinfoilsecurity.com/saml/consume',"
        "'https://www.tinfoilsecurity.com','http://server')",
        "http://server/saml/consume",
    ),
    ("replace('aAa', 'a', 'b')", "bAb"),  # case-sensitive
    ("replace('abc', '', 'x')", "abc"),
    ("replace(split('a-b/c', '/')[0], '-', '_')", "a_b"),
    ("trim('  variable  ')", "variable"),
    ("trim(1)", "1"),
    ("length('fabrikam')", 8.0),
    ("length('')", 0.0),
    ("length(parameters.regions)", 2.0),
    ("length(parameters.obj)", 2.0),
    ("length(variables.noSuch)", 0.0),
    # --- convertToJson ---
    ("convertToJson(parameters.regions)", '[\n  "us",\n  "eu"\n]'),
    ("convertToJson(parameters.obj)", '{\n  "a": 1,\n  "Name": "x"\n}'),
    ("convertToJson('a')", '"a"'),
    ("convertToJson(1.5)", "1.5"),
    ("convertToJson(true)", "true"),
    ("convertToJson(null)", "null"),
    # --- function names ignore case ---
    ("EQ(1, 1)", True),
    ("StartsWith('ab', 'A')", True),
    ("CONTAINSVALUE(parameters.regions, 'us')", True),
    ("Succeeded()", True),
    ("NOTIN('a', 'b')", True),
    # --- white space and line breaks, as in multi-line YAML conditions ---
    ("and\n(\n  eq(1, 1),\n  in('a', 'b', 'A')\n)", True),
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_function(expression: str, expected: Any) -> None:
    assert evaluate_text(expression, context()) == expected


def test_results_have_the_documented_python_types() -> None:
    assert isinstance(evaluate_text("parameters.count", context()), float)
    assert evaluate_text("pipeline.startTime", context()) == START
    assert evaluate_text("parameters.nums", context()) == [1.0, 2.0, 3.0]
    assert isinstance(evaluate_text("variables", context()), dict)


def test_a_parsed_tree_can_be_evaluated_many_times() -> None:
    tree = parse("eq(variables.letters, 'abc')")
    assert evaluate(tree, context()) is True
    assert evaluate(tree, EvalContext(variables={"LETTERS": "x"})) is False


def test_gt_with_a_failed_conversion_is_an_error() -> None:
    with pytest.raises(ExpressionError):
        evaluate_text("gt(1, 'abc')", context())
