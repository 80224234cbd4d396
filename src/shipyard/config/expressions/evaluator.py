"""Walking the syntax tree: named values, indexing, filtered arrays and function calls.

Indexing is forgiving, as in Azure: a missing key, an index out of range or indexing
something that is not a collection gives Null rather than an error, so
``variables['noSuch']`` and ``dependencies.A.outputs['x']`` before A exists are simply
null. Keys are matched ignoring case. ``foo.*.id`` (a filtered array) collects ``id`` from
every element of ``foo``, skipping elements that have none.

Anything indexed through :data:`UNKNOWN` is UNKNOWN: the planner can mark a whole
dependency (``dependencies.A``) as unknown without listing its outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shipyard.config.expressions import logic, signatures, status, text
from shipyard.config.expressions.context import EvalContext, Invocation
from shipyard.config.expressions.errors import ExpressionError
from shipyard.config.expressions.nodes import Call, Expr, Index, Literal, NamedValue, Wildcard
from shipyard.config.expressions.parser import parse
from shipyard.config.expressions.values import (
    UNKNOWN,
    canonical,
    lookup,
    try_number,
    try_string,
)

FUNCTIONS: dict[str, Callable[[Invocation], Any]] = {
    **logic.FUNCTIONS,
    **text.FUNCTIONS,
    **status.FUNCTIONS,
}
assert set(FUNCTIONS) == {sig.name for sig in signatures.SIGNATURES}


class FilteredArray(list[Any]):
    """The result of ``*``: a list whose further indexing applies to each element."""


def evaluate(expr: Expr, ctx: EvalContext) -> Any:
    """The value of ``expr``: str, float, bool, None, Version, list, dict or UNKNOWN.

    Raises :class:`ExpressionError` for what Azure reports as an error at run time (a
    failed conversion in ``gt``, a bad ``format`` string, a status function in template
    mode), with the offset of the part that failed.
    """
    return canonical(_eval(expr, ctx))


def evaluate_text(text: str, ctx: EvalContext) -> Any:
    """Parse and evaluate; extra ``ctx.named_values`` become valid names."""
    return evaluate(parse(text, named_values=ctx.named_values.keys()), ctx)


def _eval(expr: Expr, ctx: EvalContext) -> Any:
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, NamedValue):
        return _named_value(expr, ctx)
    if isinstance(expr, Index):
        target = _eval(expr.target, ctx)
        if target is UNKNOWN:
            return UNKNOWN
        key = _eval(expr.key, ctx)
        if key is UNKNOWN:
            return UNKNOWN
        if isinstance(target, FilteredArray):
            picked = (_index(item, key) for item in target)
            return FilteredArray(v for v in picked if v is not None)
        return _index(target, key)
    if isinstance(expr, Wildcard):
        target = _eval(expr.target, ctx)
        if target is UNKNOWN:
            return UNKNOWN
        if isinstance(target, FilteredArray):
            return FilteredArray(v for item in target for v in _children(item))
        return FilteredArray(_children(target))
    return _call(expr, ctx)


def _call(call: Call, ctx: EvalContext) -> Any:
    sig = signatures.find(call.name)
    assert sig is not None  # the parser only builds calls to known functions
    if sig.runtime_only and ctx.mode == "template":
        where = (
            "status functions work in conditions and runtime expressions ($[ ])"
            if call.name in signatures.STATUS_FUNCTIONS
            else "counter() works in runtime expressions ($[ ]) that define a variable"
        )
        raise ExpressionError(
            f"{call.name}() at offset {call.offset} is not available in template "
            f"expressions (${{{{ }}}}): {where}",
            call.offset,
            expected="a template-time function",
        )
    return FUNCTIONS[call.name](Invocation(call, ctx, _eval))


def _named_value(node: NamedValue, ctx: EvalContext) -> Any:
    name = node.name
    if name == "variables":
        return ctx.variables
    if name == "parameters":
        return ctx.parameters
    if name in ("dependencies", "stageDependencies"):
        if ctx.mode == "template":
            raise ExpressionError(
                f"'{name}' at offset {node.offset} is not available in template expressions "
                "(${{ }}): dependencies exist only at run time; use $[ ] or a condition",
                node.offset,
                expected="variables or parameters",
            )
        return ctx.dependencies if name == "dependencies" else ctx.stage_dependencies
    _, value = lookup(ctx.named_values, name)
    return value


def _index(target: Any, key: Any) -> Any:
    if isinstance(target, Mapping):
        name = try_string(key)
        if name is None:
            return None
        _, value = lookup(target, name)
        return value
    if isinstance(target, list | tuple):
        if isinstance(key, bool) or (isinstance(key, str) and key == ""):
            return None
        number = try_number(key) if isinstance(key, str | int | float) else None
        if number is None or not number.is_integer() or not 0 <= number < len(target):
            return None
        return target[int(number)]
    return None


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, list | tuple):
        return list(value)
    return []
