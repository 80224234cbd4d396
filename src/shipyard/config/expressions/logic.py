"""Logical and comparison functions, in three-valued logic.

Every function answers :data:`UNKNOWN` when an input it needs is unknown, except where the
answer is decided anyway: ``and`` with any False argument is False, ``or`` with any True
argument is True, ``in`` with a known match is True, ``coalesce`` returns a known non-empty
value that comes before any unknown one, and ``iif`` with an unknown condition still has an
answer when both branches agree. This is what lets the planner say "will run", "will not
run" or "depends on the run" for a condition.

When nothing is unknown these are exactly Azure's functions: ``and``/``or`` short-circuit,
the comparisons convert the right operand to the left operand's type (``eq``/``in`` treat a
failed conversion as "not equal", ``gt`` and friends report it as an error).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shipyard.config.expressions.context import Invocation
from shipyard.config.expressions.errors import ExpressionError
from shipyard.config.expressions.values import (
    UNKNOWN,
    ConversionError,
    compare,
    equals,
    is_nullish,
    truthy,
    type_name,
)


def _and(inv: Invocation) -> Any:
    unknown = False
    for i in range(len(inv)):
        value = truthy(inv.arg(i))
        if value is False:
            return False
        unknown = unknown or value is UNKNOWN
    return UNKNOWN if unknown else True


def _or(inv: Invocation) -> Any:
    unknown = False
    for i in range(len(inv)):
        value = truthy(inv.arg(i))
        if value is True:
            return True
        unknown = unknown or value is UNKNOWN
    return UNKNOWN if unknown else False


def _not(inv: Invocation) -> Any:
    value = truthy(inv.arg(0))
    return UNKNOWN if value is UNKNOWN else not value


def _xor(inv: Invocation) -> Any:
    left, right = truthy(inv.arg(0)), truthy(inv.arg(1))
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    return left is not right


def _eq(inv: Invocation) -> Any:
    left, right = inv.arg(0), inv.arg(1)
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    return equals(left, right)


def _ne(inv: Invocation) -> Any:
    same = _eq(inv)
    return UNKNOWN if same is UNKNOWN else not same


def _ordering(test: Callable[[int], bool]) -> Callable[[Invocation], Any]:
    def function(inv: Invocation) -> Any:
        left, right = inv.arg(0), inv.arg(1)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        try:
            return test(compare(left, right))
        except ConversionError as exc:
            raise inv.conversion_error(exc, left) from None

    return function


def _in(inv: Invocation) -> Any:
    left = inv.arg(0)
    if left is UNKNOWN:
        return UNKNOWN
    unknown = False
    for i in range(1, len(inv)):
        right = inv.arg(i)
        if right is UNKNOWN:
            unknown = True
        elif equals(left, right):
            return True
    return UNKNOWN if unknown else False


def _not_in(inv: Invocation) -> Any:
    found = _in(inv)
    return UNKNOWN if found is UNKNOWN else not found


def _contains_value(inv: Invocation) -> Any:
    collection = inv.arg(0)
    if collection is UNKNOWN:
        return UNKNOWN
    if isinstance(collection, Mapping):
        items = list(collection.values())
    elif isinstance(collection, list | tuple):
        items = list(collection)
    else:
        return False
    wanted = inv.arg(1)
    if wanted is UNKNOWN:
        return UNKNOWN if items else False
    unknown = False
    for item in items:
        if item is UNKNOWN:
            unknown = True
        elif equals(wanted, item):  # each item is converted to the type of the value sought
            return True
    return UNKNOWN if unknown else False


def _coalesce(inv: Invocation) -> Any:
    value: Any = None
    for i in range(len(inv)):
        value = inv.arg(i)
        if value is UNKNOWN:
            return UNKNOWN
        if not is_nullish(value):
            return value
    return value


def _iif(inv: Invocation) -> Any:
    condition = truthy(inv.arg(0))
    if condition is True:
        return inv.arg(1) if len(inv) > 1 else None
    if condition is False:
        return inv.arg(2) if len(inv) > 2 else None
    # Unknown condition: the answer is known only if both branches give the same value.
    try:
        branches = [inv.arg(i) if len(inv) > i else None for i in (1, 2)]
    except ExpressionError:
        return UNKNOWN  # a branch that would fail may never be taken
    first, second = branches
    if UNKNOWN in (first, second) or type_name(first) != type_name(second):
        return UNKNOWN
    if type_name(first) in ("Array", "Object"):
        return first if first is second else UNKNOWN
    return first if first == second else UNKNOWN


FUNCTIONS: dict[str, Callable[[Invocation], Any]] = {
    "and": _and,
    "or": _or,
    "not": _not,
    "xor": _xor,
    "eq": _eq,
    "ne": _ne,
    "gt": _ordering(lambda c: c > 0),
    "ge": _ordering(lambda c: c >= 0),
    "lt": _ordering(lambda c: c < 0),
    "le": _ordering(lambda c: c <= 0),
    "in": _in,
    "notIn": _not_in,
    "containsValue": _contains_value,
    "coalesce": _coalesce,
    "iif": _iif,
}
