"""Status functions, counter, template mode and three-valued evaluation for planning."""

from __future__ import annotations

from typing import Any

import pytest

from shipyard.config.expressions import (
    UNKNOWN,
    Counters,
    EvalContext,
    ExpressionError,
    StatusContext,
    evaluate_text,
)

ALL_GOOD = StatusContext()
ISSUES = StatusContext(result="SucceededWithIssues")
FAILED = StatusContext(result="Failed")
CANCELED_RESULT = StatusContext(result="Canceled")
CANCELED_FLAG = StatusContext(result="Succeeded", canceled=True)
SKIPPED = StatusContext(result="Skipped")
DEPS = StatusContext(dependencies={"A": "Succeeded", "B": "Failed", "C": "SucceededWithIssues"})
DEPS_SKIPPED = StatusContext(dependencies={"A": "Skipped"})
DEPS_PARTLY_KNOWN = StatusContext(dependencies={"A": UNKNOWN, "B": "Failed", "C": "Succeeded"})
ALL_UNKNOWN = StatusContext(result=UNKNOWN, canceled=UNKNOWN)
FAILED_MAYBE_CANCELED = StatusContext(result="Failed", canceled=UNKNOWN)

STATUS_CASES: list[tuple[StatusContext | None, str, Any]] = [
    (ALL_GOOD, "succeeded()", True),
    (ALL_GOOD, "failed()", False),
    (ALL_GOOD, "succeededOrFailed()", True),
    (ALL_GOOD, "canceled()", False),
    (ALL_GOOD, "always()", True),
    (ISSUES, "succeeded()", True),  # partially succeeded counts as succeeded
    (ISSUES, "failed()", False),
    (FAILED, "succeeded()", False),
    (FAILED, "failed()", True),
    (FAILED, "succeededOrFailed()", True),
    (FAILED, "not(failed())", False),
    (FAILED, "and(failed(), eq(variables.x, ''))", True),
    (CANCELED_RESULT, "succeeded()", False),
    (CANCELED_RESULT, "failed()", False),
    (CANCELED_RESULT, "succeededOrFailed()", False),  # like always(), except when canceled
    (CANCELED_RESULT, "canceled()", True),
    (CANCELED_RESULT, "always()", True),  # even when canceled
    (CANCELED_FLAG, "succeeded()", False),
    (CANCELED_FLAG, "canceled()", True),
    (SKIPPED, "succeeded()", False),
    (SKIPPED, "succeededOrFailed()", False),
    (SKIPPED, "failed()", False),
    # jobs and stages: no arguments means every dependency
    (DEPS, "succeeded()", False),
    (DEPS, "failed()", True),
    (DEPS, "succeededOrFailed()", True),
    # ... and named ones (ignoring case)
    (DEPS, "succeeded('A')", True),
    (DEPS, "succeeded('a', 'c')", True),
    (DEPS, "succeeded('A', 'B')", False),
    (DEPS, "failed('A')", False),
    (DEPS, "failed('A', 'B')", True),
    (DEPS, "succeededOrFailed('A', 'B')", True),
    (DEPS_SKIPPED, "succeeded()", False),
    (DEPS_SKIPPED, "succeededOrFailed('A')", False),
    (DEPS_SKIPPED, "not(canceled())", True),
    # planning: statuses not known yet
    (None, "succeeded()", UNKNOWN),
    (None, "failed()", UNKNOWN),
    (None, "canceled()", UNKNOWN),
    (None, "always()", True),
    (None, "and(always(), succeeded())", UNKNOWN),
    (None, "or(always(), succeeded())", True),
    (None, "and(succeeded(), eq(1, 2))", False),
    (ALL_UNKNOWN, "succeeded()", UNKNOWN),
    (ALL_UNKNOWN, "failed()", UNKNOWN),
    (ALL_UNKNOWN, "canceled()", UNKNOWN),
    (ALL_UNKNOWN, "always()", True),
    (DEPS_PARTLY_KNOWN, "succeeded()", False),  # B failed: decided whatever A does
    (DEPS_PARTLY_KNOWN, "failed()", True),
    (DEPS_PARTLY_KNOWN, "succeeded('A')", UNKNOWN),
    (DEPS_PARTLY_KNOWN, "succeeded('C')", True),
    (DEPS_PARTLY_KNOWN, "failed('A', 'C')", UNKNOWN),
    (DEPS_PARTLY_KNOWN, "succeededOrFailed()", UNKNOWN),
    (FAILED_MAYBE_CANCELED, "failed()", UNKNOWN),
    (FAILED_MAYBE_CANCELED, "succeeded()", False),
]


@pytest.mark.parametrize(("status", "expression", "expected"), STATUS_CASES)
def test_status_function(status: StatusContext | None, expression: str, expected: Any) -> None:
    ctx = EvalContext(variables={"x": ""}, status=status)
    assert evaluate_text(expression, ctx) is expected


def test_status_function_with_unknown_dependency_name() -> None:
    with pytest.raises(ExpressionError) as err:
        evaluate_text("succeeded('Biuld')", EvalContext(status=DEPS))
    assert err.value.offset == 10
    assert "'Biuld' is not a dependency here" in err.value.message


UNKNOWN_VARS = EvalContext(
    variables={"tag": UNKNOWN, "branch": "refs/heads/main"},
    parameters={"mixed": ["a", UNKNOWN]},
    dependencies={"A": UNKNOWN},
)

UNKNOWN_CASES: list[tuple[str, Any]] = [
    ("variables.tag", UNKNOWN),
    ("variables['TAG']", UNKNOWN),
    ("eq(variables.tag, 'v1')", UNKNOWN),
    ("gt(variables.tag, 'abc')", UNKNOWN),  # no conversion error for what is not known
    ("and(eq(variables.tag, 'v1'), eq(variables.branch, 'refs/heads/dev'))", False),
    ("and(eq(variables.tag, 'v1'), eq(variables.branch, 'refs/heads/main'))", UNKNOWN),
    ("or(variables.tag, true)", True),
    ("or(variables.tag, false)", UNKNOWN),
    ("not(variables.tag)", UNKNOWN),
    ("xor(variables.tag, true)", UNKNOWN),
    ("coalesce(variables.nothing, 'x', variables.tag)", "x"),
    ("coalesce(variables.tag, 'x')", UNKNOWN),
    ("iif(variables.tag, 'a', 'a')", "a"),
    ("iif(variables.tag, 'a', 'b')", UNKNOWN),
    ("iif(variables.tag, 'a', 'A')", UNKNOWN),
    ("iif(variables.tag, 'a', gt(1, 'x'))", UNKNOWN),
    ("iif(true, 'a', variables.tag)", "a"),
    ("in('x', variables.tag, 'x')", True),
    ("in('y', variables.tag, 'x')", UNKNOWN),
    ("notIn('x', variables.tag, 'x')", False),
    ("format('{0}', variables.tag)", UNKNOWN),
    ("format('{0}', variables.branch)", "refs/heads/main"),
    ("length(variables.tag)", UNKNOWN),
    ("contains(variables.tag, 'a')", UNKNOWN),
    ("startsWith(variables.branch, variables.tag)", UNKNOWN),
    ("containsValue(parameters.mixed, 'a')", True),
    ("containsValue(parameters.mixed, 'b')", UNKNOWN),
    ("containsValue(parameters.mixed, variables.tag)", UNKNOWN),
    ("convertToJson(parameters.mixed)", UNKNOWN),
    ("join(',', parameters.mixed)", UNKNOWN),
    ("dependencies.A.outputs['step.x']", UNKNOWN),
    ("eq(dependencies.A.result, 'Succeeded')", UNKNOWN),
    ("counter('p', 1)", UNKNOWN),  # no counter store: the number is drawn at run time
]


@pytest.mark.parametrize(("expression", "expected"), UNKNOWN_CASES)
def test_unknown_propagation(expression: str, expected: Any) -> None:
    assert evaluate_text(expression, UNKNOWN_VARS) == expected


def test_unknown_has_no_truth_value() -> None:
    with pytest.raises(TypeError):
        bool(UNKNOWN)


def test_counter_increments_per_prefix() -> None:
    counters = Counters()
    ctx = EvalContext(variables={"major": "1"}, counters=counters)
    drawn = [evaluate_text("counter(variables['major'], 100)", ctx) for _ in range(3)]
    assert drawn == [100.0, 101.0, 102.0]
    assert evaluate_text("counter('other', 0)", ctx) == 0.0
    ctx.variables = {"major": "2"}
    assert evaluate_text("counter(variables.major, 100)", ctx) == 100.0
    ctx.variables = {"major": "1"}
    assert evaluate_text("counter(variables.major, 100)", ctx) == 103.0  # resumes
    assert counters.values == {"1": 103, "other": 0, "2": 100}


def test_counter_store_round_trips() -> None:
    ctx = EvalContext(counters=Counters({"nightly": 7}))
    assert evaluate_text("counter('nightly', 0)", ctx) == 8.0


def test_counter_seed_must_be_whole() -> None:
    with pytest.raises(ExpressionError) as err:
        evaluate_text("counter('a', 1.5)", EvalContext(counters=Counters()))
    assert err.value.offset == 13


TEMPLATE_ERRORS = [
    ("succeeded()", 0),
    ("and(true, failed())", 10),
    ("always()", 0),
    ("dependencies.A.result", 0),
    ("eq(stageDependencies.S.J.result, 'x')", 3),
    ("counter('a', 1)", 0),
]


@pytest.mark.parametrize(("expression", "offset"), TEMPLATE_ERRORS)
def test_runtime_only_things_are_refused_in_template_mode(expression: str, offset: int) -> None:
    ctx = EvalContext(mode="template", status=StatusContext(), counters=Counters())
    with pytest.raises(ExpressionError) as err:
        evaluate_text(expression, ctx)
    assert err.value.offset == offset
    assert "not available in template expressions" in err.value.message


def test_template_mode_still_reads_variables_and_parameters() -> None:
    ctx = EvalContext(variables={"a": "x"}, parameters={"p": [1]}, mode="template")
    assert evaluate_text("and(eq(variables.a, 'X'), containsValue(parameters.p, 1))", ctx)


def test_extra_named_values_such_as_each_loop_variables() -> None:
    ctx = EvalContext(named_values={"region": {"name": "eu"}}, mode="template")
    assert evaluate_text("eq(region.name, 'EU')", ctx) is True
