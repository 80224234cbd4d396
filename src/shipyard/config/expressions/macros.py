"""The three ways a pipeline value refers to something: ``$(macro)``, ``${{ template }}``
and ``$[ runtime ]``.

Macros are plain text substitution done just before a step runs: ``$(name)`` becomes the
variable's value, and a name with no value stays exactly as written (Azure leaves
``$(noSuch)`` in place for the script to see). Substituted text is not scanned again, so a
value containing ``$(other)`` cannot pull in a second variable.

Template and runtime expressions are found by scanning, not by a regular expression,
because a ``}}`` or ``]`` inside a quoted string (``${{ format('{0}}}', x) }}``) does not
end the expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from shipyard.config.expressions.context import EvalContext
from shipyard.config.expressions.errors import ExpressionError
from shipyard.config.expressions.evaluator import evaluate_text
from shipyard.config.expressions.values import UNKNOWN, lookup, to_string

_MACRO = re.compile(r"\$\(([A-Za-z0-9_.\-]+)\)")


def expand_macros(text: str, lookup_value: Callable[[str], str | None]) -> str:
    """Replace each ``$(name)`` whose ``lookup_value(name)`` is not None; leave the rest."""

    def replace(match: re.Match[str]) -> str:
        value = lookup_value(match.group(1))
        return match.group(0) if value is None else value

    return _MACRO.sub(replace, text)


def macro_names(text: str) -> list[str]:
    """The names referred to by ``$(name)`` macros in ``text``, in order of appearance."""
    return [m.group(1) for m in _MACRO.finditer(text)]


def variable_lookup(variables: Mapping[str, Any]) -> Callable[[str], str | None]:
    """A case-insensitive lookup for :func:`expand_macros`; unknown values count as absent."""

    def find(name: str) -> str | None:
        found, value = lookup(variables, name)
        if not found or value is UNKNOWN or value is None:
            return None
        return to_string(value)

    return find


@dataclass(frozen=True, slots=True)
class ExpressionSpan:
    """One ``${{ ... }}`` (kind ``template``) or ``$[ ... ]`` (kind ``runtime``) in a string.

    ``start``/``end`` delimit the whole span; ``expression`` is the text inside, which
    begins at ``expression_offset`` in the string.
    """

    kind: Literal["template", "runtime"]
    start: int
    end: int
    expression: str
    expression_offset: int


def find_template_expressions(text: str) -> list[ExpressionSpan]:
    """Every ``${{ }}`` and ``$[ ]`` span in ``text``, in order.

    An unterminated ``${{`` is an error; an unterminated ``$[`` is left as text (scripts
    use ``$[`` for other things, and Azure only treats a whole value as a runtime
    expression anyway).
    """
    spans: list[ExpressionSpan] = []
    i = 0
    while True:
        start = text.find("$", i)
        if start < 0:
            return spans
        if text.startswith("${{", start):
            end = _scan(text, start + 3, "}}")
            if end < 0:
                raise ExpressionError(
                    f"unterminated '${{{{' at offset {start}: expected '}}}}'",
                    start,
                    expected="'}}'",
                )
            spans.append(
                ExpressionSpan("template", start, end + 2, text[start + 3 : end], start + 3)
            )
            i = end + 2
        elif text.startswith("$[", start) and (end := _scan(text, start + 2, "]")) >= 0:
            spans.append(
                ExpressionSpan("runtime", start, end + 1, text[start + 2 : end], start + 2)
            )
            i = end + 1
        else:
            i = start + 1


def _scan(text: str, i: int, closer: str) -> int:
    """Index of ``closer`` that ends an expression starting at ``i``, or -1."""
    depth = 0
    in_string = False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "'":
                if text.startswith("''", i):
                    i += 1
                else:
                    in_string = False
        elif ch == "'":
            in_string = True
        elif closer == "]" and ch == "[":
            depth += 1
        elif text.startswith(closer, i):
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def runtime_expression(value: str) -> str | None:
    """The expression of a value that is wholly ``$[ ... ]`` (Azure's only runtime form)."""
    stripped = value.strip()
    spans = find_template_expressions(stripped) if stripped.startswith("$[") else []
    if len(spans) == 1 and spans[0].start == 0 and spans[0].end == len(stripped):
        return spans[0].expression
    return None


def expand_template_expressions(text: str, ctx: EvalContext) -> Any:
    """Evaluate the ``${{ }}`` spans of a string value.

    A value that is exactly one ``${{ }}`` keeps the expression's type (a number stays a
    number, an object stays an object); otherwise each span is replaced by its value as a
    string. ``$[ ]`` spans are left for run time. Error offsets are within ``text``.
    """
    spans = [s for s in find_template_expressions(text) if s.kind == "template"]
    if not spans:
        return text
    values = [_evaluate_span(span, ctx) for span in spans]
    if len(spans) == 1 and spans[0].start == 0 and spans[0].end == len(text):
        return values[0]
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    out: list[str] = []
    last = 0
    for span, value in zip(spans, values, strict=True):
        out.append(text[last : span.start])
        try:
            out.append(to_string(value))
        except ExpressionError as exc:
            raise ExpressionError(
                f"{exc.message} (inside a string, at offset {span.start})", span.start
            ) from None
        last = span.end
    out.append(text[last:])
    return "".join(out)


def _evaluate_span(span: ExpressionSpan, ctx: EvalContext) -> Any:
    try:
        return evaluate_text(span.expression, ctx)
    except ExpressionError as exc:
        raise exc.shifted(span.expression_offset) from None
