"""Template expressions (``${{ }}``) evaluated at compile time, with their errors and bounds.

The template expander (:mod:`shipyard.config.templates`) decides *where* expressions are
evaluated; this module decides *what an expression becomes*:

- a scalar that is exactly one ``${{ expr }}`` becomes the expression's value, which may be
  a list or a mapping (a ``stepList`` parameter), located where the expression was written;
- expressions inside longer text are interpolated as strings; a list or a mapping there is
  an error, as in Azure ("cannot convert Object to String");
- an expression that fails is reported once and keeps its text (``FAILED`` tells the caller
  to take no branch, no loop), so that one typo is one error, not a cascade.

``each`` evaluates the same few texts thousands of times, so parsed trees are cached. A
result may not exceed the size of a file (``MAX_BYTES``), and a computation that runs out of
memory or recursion is a diagnostic: nested ``replace()`` can multiply a string without the
pipeline growing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from shipyard.config import expressions as ex
from shipyard.config.yamlsrc import MAX_BYTES, YStr, relocate
from shipyard.domain.diagnostics import Diagnostics, Loc

_PARSE_CACHE = 4096
_SHOWN = 80  # characters of an expression quoted in a message


class _Failed:
    """The result of an expression that failed (and was reported)."""


FAILED: Final = _Failed()


@dataclass(slots=True)
class Scope:
    """What a template expression can see while one file is being expanded."""

    file: str  # repo-relative path of the file being expanded
    parameters: dict[str, Any]
    variables: dict[str, Any]
    names: dict[str, Any] = field(default_factory=dict)  # ``each`` loop bindings
    depth: int = 0  # template nesting
    stack: tuple[str, ...] = ()  # the files being expanded, outermost first


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


class TemplateExpressions:
    """Evaluates ``${{ }}`` for one pipeline; every problem goes to ``diags``."""

    def __init__(self, diags: Diagnostics) -> None:
        self.diags = diags
        self._parsed: dict[tuple[str, tuple[str, ...]], ex.Expr] = {}

    def evaluate(self, text: str, loc: Loc, scope: Scope) -> Any:
        """The value of one expression, or ``FAILED`` after reporting why not."""
        text = text.strip()
        try:
            key = (text, tuple(scope.names))
            tree = self._parsed.get(key)
            if tree is None:
                tree = ex.parse(text, named_values=scope.names.keys())
                if len(self._parsed) < _PARSE_CACHE:
                    self._parsed[key] = tree
            value = ex.evaluate(
                tree,
                ex.EvalContext(
                    variables=scope.variables,
                    parameters=scope.parameters,
                    named_values=scope.names,
                    mode="template",
                ),
            )
        except ex.ExpressionError as err:
            message = f"template expression '{_shown(text)}': {err.message}"
            self.diags.add(loc, message, code="bad-expression")
            return FAILED
        except (MemoryError, RecursionError, OverflowError):
            message = f"template expression '{_shown(text)}' is too big to compute"
            self.diags.add(loc, message, code="too-large")
            return FAILED
        if isinstance(value, str) and len(value) > MAX_BYTES:
            message = (
                f"template expression '{_shown(text)}' produced {len(value)} characters; "
                f"the limit is {MAX_BYTES}"
            )
            self.diags.add(loc, message, code="too-large")
            return FAILED
        return value

    def text_of(self, result: Any, original: str, loc: Loc) -> str:
        """An expression's value inside a longer string (a list or mapping cannot be)."""
        if result is FAILED:
            return original
        try:
            return ex.to_string(result)
        except ex.ExpressionError as err:
            self.diags.add(
                loc,
                f"'{_shown(original.strip())}' inside text: {err.message}",
                code="bad-expression",
                hint="a list or mapping can only be the whole value, not part of a string",
            )
            return original

    def expand_scalar(self, value: YStr, scope: Scope) -> Any:
        """``value`` with its ``${{ }}`` evaluated (a whole-value expression keeps its type)."""
        if "${{" not in value:
            return value
        try:
            spans = [s for s in ex.find_template_expressions(value) if s.kind == "template"]
        except ex.ExpressionError as err:
            self.diags.add(
                value.loc,
                f"template expression: {err.message}",
                code="bad-expression",
                snippet=_shown(str(value)),
            )
            return value
        if len(spans) == 1 and value[spans[0].start : spans[0].end] == value.strip():
            result = self.evaluate(spans[0].expression, value.loc, scope)
            return value if result is FAILED else relocate(result, value.loc)
        parts: list[str] = []
        last = 0
        for span in spans:
            parts.append(value[last : span.start])
            result = self.evaluate(span.expression, value.loc, scope)
            parts.append(self.text_of(result, value[span.start : span.end], value.loc))
            last = span.end
        parts.append(value[last:])
        return YStr("".join(parts), value.loc)
