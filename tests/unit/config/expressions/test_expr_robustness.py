"""Hostile or garbled input fails with an ExpressionError that points inside the text."""

from __future__ import annotations

import random

from shipyard.config.expressions import (
    Counters,
    EvalContext,
    ExpressionError,
    StatusContext,
    evaluate_text,
)

PIECES = [
    *"()[],.*' -0123456789abcxyz",
    "eq(",
    "variables",
    "parameters.",
    "format(",
    "'{0}'",
    "succeeded(",
    "1.2.3",
    "and(",
    "in(",
    "iif(",
    "split(",
    "counter(",
    "true",
    "null",
]


def test_random_input_only_ever_raises_expression_errors() -> None:
    rng = random.Random(20240305)  # fixed: the same inputs on every run
    ctx = EvalContext(
        variables={"a": "1"},
        parameters={"p": [1, {"x": 2}]},
        status=StatusContext(),
        counters=Counters(),
    )
    for _ in range(5_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25)))
        try:
            evaluate_text(text, ctx)
        except ExpressionError as err:
            assert err.offset is not None and 0 <= err.offset <= len(text), (text, err)
