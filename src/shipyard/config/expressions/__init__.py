"""The Azure Pipelines expression language: ``${{ }}``, ``$[ ]``, conditions and ``$( )``.

Shipyard pipelines are Azure Pipelines YAML, so their expressions must mean exactly what
they mean in Azure: the same functions, the same loose conversions between types, the
same case-insensitivity. This package is that language, pure and self-contained:

- :func:`parse` turns text into a syntax tree, checking function names and argument
  counts, so pipeline validation reports typos with their position;
- :func:`evaluate` runs a tree against an :class:`EvalContext`;
- evaluation is three-valued: a context may hold :data:`UNKNOWN` values and statuses
  (what only the run will tell), and the answer is then UNKNOWN unless it is decided
  anyway. ``shipyard plan`` uses this to say that a job will run, will not run, or
  depends on how the run goes.

Modules: ``lexer`` and ``parser`` (text to ``nodes``), ``values`` and ``version`` (types
and Azure's conversion rules), ``logic``, ``text``, ``formatting`` and ``status`` (the
functions, with their argument counts in ``signatures``), ``evaluator``, and ``macros``
(``$(name)`` substitution and finding ``${{ }}``/``$[ ]`` inside strings).
"""

from __future__ import annotations

from shipyard.config.expressions.context import (
    JOB_RESULTS,
    Counters,
    EvalContext,
    JobResult,
    Mode,
    StatusContext,
)
from shipyard.config.expressions.errors import ExpressionError
from shipyard.config.expressions.evaluator import evaluate, evaluate_text
from shipyard.config.expressions.macros import (
    ExpressionSpan,
    expand_macros,
    expand_template_expressions,
    find_template_expressions,
    macro_names,
    runtime_expression,
    variable_lookup,
)
from shipyard.config.expressions.nodes import Call, Expr, Index, Literal, NamedValue, Wildcard
from shipyard.config.expressions.parser import MAX_DEPTH, MAX_LENGTH, NAMED_VALUES, parse
from shipyard.config.expressions.signatures import SIGNATURES, Signature
from shipyard.config.expressions.values import (
    UNKNOWN,
    Unknown,
    equals,
    to_number,
    to_string,
    truthy,
    type_name,
)
from shipyard.config.expressions.version import Version

__all__ = [
    "JOB_RESULTS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "NAMED_VALUES",
    "SIGNATURES",
    "UNKNOWN",
    "Call",
    "Counters",
    "EvalContext",
    "Expr",
    "ExpressionError",
    "ExpressionSpan",
    "Index",
    "JobResult",
    "Literal",
    "Mode",
    "NamedValue",
    "Signature",
    "StatusContext",
    "Unknown",
    "Version",
    "Wildcard",
    "equals",
    "evaluate",
    "evaluate_text",
    "expand_macros",
    "expand_template_expressions",
    "find_template_expressions",
    "macro_names",
    "parse",
    "runtime_expression",
    "to_number",
    "to_string",
    "truthy",
    "type_name",
    "variable_lookup",
]
