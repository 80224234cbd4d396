"""String functions: contains, startsWith, endsWith, join, split, lower, upper, replace,
trim, length, convertToJson (``format`` has its own module).

Arguments are converted to String by Azure's rules, so ``contains(variables.x, 1)`` works
on the text ``'1'``; arrays and objects have no string form and are reported as errors
(``containsValue`` is the function that searches an array). Comparisons ignore case the
ordinal way, as Azure's do; ``replace`` and ``split`` are case-sensitive, as .NET's are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from shipyard.config.expressions.context import Invocation
from shipyard.config.expressions.formatting import format_function
from shipyard.config.expressions.values import (
    MAX_STRING,
    UNKNOWN,
    Unknown,
    contains_unknown,
    fold,
    format_scalar,
    try_string,
    type_name,
)
from shipyard.config.expressions.version import Version

_USE_CONTAINS_VALUE = "to look for an item in an array or object, use containsValue()"


def _two_strings(inv: Invocation) -> tuple[str, str] | Unknown:
    left = inv.string(0, hint=_USE_CONTAINS_VALUE)
    right = inv.string(1)
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    return fold(left), fold(right)


def _contains(inv: Invocation) -> Any:
    pair = _two_strings(inv)
    return UNKNOWN if pair is UNKNOWN else pair[1] in pair[0]


def _starts_with(inv: Invocation) -> Any:
    pair = _two_strings(inv)
    return UNKNOWN if pair is UNKNOWN else pair[0].startswith(pair[1])


def _ends_with(inv: Invocation) -> Any:
    pair = _two_strings(inv)
    return UNKNOWN if pair is UNKNOWN else pair[0].endswith(pair[1])


def _join(inv: Invocation) -> Any:
    items = inv.arg(1)
    if items is UNKNOWN:
        return UNKNOWN
    if not isinstance(items, list | tuple):
        # Not an array: the value itself as a string; objects have none, so ''.
        text = try_string(items)
        return "" if text is None else text
    if any(item is UNKNOWN for item in items):
        return UNKNOWN
    separator = inv.string(0) if len(items) > 1 else ""
    if separator is UNKNOWN:
        return UNKNOWN
    parts = [try_string(item) or "" for item in items]
    size = sum(map(len, parts)) + len(separator) * max(len(parts) - 1, 0)
    if size > MAX_STRING:
        raise inv.error(f"the result would be {size} characters; the limit is {MAX_STRING}")
    return separator.join(parts)


def _split(inv: Invocation) -> Any:
    text, delimiters = inv.string(0), inv.string(1)
    if text is UNKNOWN or delimiters is UNKNOWN:
        return UNKNOWN
    # .NET String.Split(char[]): every character of the second argument is a delimiter;
    # none at all means "split on white space".
    pattern = "[" + re.escape(delimiters) + "]" if delimiters else r"\s"
    return re.split(pattern, text)


def _case(convert: Callable[[str], str]) -> Callable[[Invocation], Any]:
    def function(inv: Invocation) -> Any:
        text = inv.string(0)
        return UNKNOWN if text is UNKNOWN else convert(text)

    return function


def _replace(inv: Invocation) -> Any:
    text, old, new = inv.string(0), inv.string(1), inv.string(2)
    if UNKNOWN in (text, old, new):
        return UNKNOWN
    assert isinstance(text, str) and isinstance(old, str) and isinstance(new, str)
    if not old:
        return text
    grown = len(text) + text.count(old) * (len(new) - len(old))
    if grown > MAX_STRING:
        raise inv.error(f"the result would be {grown} characters; the limit is {MAX_STRING}")
    return text.replace(old, new)


def _length(inv: Invocation) -> Any:
    value = inv.arg(0)
    if value is UNKNOWN:
        return UNKNOWN
    if value is None:
        return 0.0
    if isinstance(value, str):
        return float(len(value.encode("utf-16-le")) // 2)  # .NET counts UTF-16 code units
    if isinstance(value, list | tuple | Mapping):
        return float(len(value))
    raise inv.error(f"expected a String, an Array or an Object, got {type_name(value)}", 0)


def _convert_to_json(inv: Invocation) -> Any:
    value = inv.arg(0)
    if contains_unknown(value):
        return UNKNOWN
    return json.dumps(_jsonable(value), indent=2, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        number = float(value)
        return int(number) if number.is_integer() else number
    if isinstance(value, Version | datetime):
        return format_scalar(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return [_jsonable(v) for v in value]


FUNCTIONS: dict[str, Callable[[Invocation], Any]] = {
    "contains": _contains,
    "startsWith": _starts_with,
    "endsWith": _ends_with,
    "format": format_function,
    "join": _join,
    "split": _split,
    "lower": _case(str.lower),
    "upper": _case(str.upper),
    "replace": _replace,
    "trim": _case(str.strip),
    "length": _length,
    "convertToJson": _convert_to_json,
}
