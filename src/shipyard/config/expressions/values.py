"""Values of the expression language and Azure's conversion rules between them.

Azure Pipelines expressions are loosely typed: every function converts its arguments to
the type it needs, and the comparison functions convert the *right* operand to the type of
the *left* one. Pipelines depend on the exact rules (``eq('true', true)`` is True because
the boolean becomes the string ``'True'``, compared ignoring case; ``gt('abc', 1)`` compares
strings; ``gt(1, 'abc')`` is an error), so they are written out here once, following the
conversion table of Microsoft's "Expressions" documentation, and every function uses them.

Python values stand for expression values: ``str``, ``float`` (numbers; ``int`` coming from
YAML is accepted and treated alike), ``bool``, ``None`` (Null), :class:`Version`, ``list``
(Array), any mapping (Object), ``datetime`` (the DateTime kind of ``pipeline.startTime``)
and :data:`UNKNOWN`, the third truth value used when planning: a value that exists only once
the run has progressed (a status, a variable set by an earlier step).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from shipyard.config.expressions.errors import ExpressionError
from shipyard.config.expressions.version import Version

# Strings an expression may build: nested replace()/format()/join() can otherwise grow
# exponentially and exhaust memory before any other bound notices.
MAX_STRING = 1 << 20


class Unknown(enum.Enum):
    """The type of :data:`UNKNOWN`; a single-member enum so that ``is`` checks type-narrow."""

    UNKNOWN = "UNKNOWN"

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __str__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        # Treating "not known yet" as False is the classic planning bug; make it loud.
        raise TypeError("UNKNOWN has no truth value; use truthy() and compare with UNKNOWN")


UNKNOWN: Final = Unknown.UNKNOWN


class ConversionError(Exception):
    """A value that cannot be converted to the kind a function needs.

    Raised without a position; the function that asked for the conversion turns it into an
    :class:`ExpressionError` at the offset of the offending argument.
    """

    def __init__(self, value: Any, to_kind: str) -> None:
        self.value = value
        self.from_kind = type_name(value)
        self.to_kind = to_kind
        super().__init__(f"cannot convert {self.from_kind} {describe(value)} to {to_kind}")


def type_name(value: Any) -> str:
    """The expression type of a value: String, Number, Boolean, Null, Version, Array, ..."""
    if value is UNKNOWN:
        return "Unknown"
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, Version):
        return "Version"
    if isinstance(value, datetime):
        return "DateTime"
    if isinstance(value, Mapping):
        return "Object"
    if isinstance(value, Sequence):
        return "Array"
    raise TypeError(f"not an expression value: {type(value).__name__}")


def describe(value: Any) -> str:
    """A short rendering of a value for messages: strings quoted, long ones cut."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return "'" + text.replace("'", "''") + "'"
    if isinstance(value, Mapping):
        return "{...}"
    if isinstance(value, list | tuple):
        return "[...]"
    if value is None:
        return "null"
    if value is UNKNOWN:
        return "(unknown)"
    return format_scalar(value)


# --- to Boolean ---------------------------------------------------------------------------


def truthy(value: Any) -> bool | Unknown:
    """Azure's conversion to Boolean: '' / 0 / null are False; arrays, objects, versions True."""
    if value is UNKNOWN:
        return Unknown.UNKNOWN  # not UNKNOWN: mypy narrows that name to Any here
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != ""
    return True


# --- to Number ----------------------------------------------------------------------------

# .NET Decimal.TryParse with AllowLeadingWhite | AllowTrailingWhite | AllowLeadingSign |
# AllowDecimalPoint | AllowThousands (a group separator only after a first digit).
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)")
_WHITESPACE = " \t\n\v\f\r"


def parse_number(text: str) -> float | None:
    """A string as a number the way Azure reads it, or ``None`` if it is not one."""
    stripped = text.strip(_WHITESPACE)
    if not _NUMBER_TEXT.fullmatch(stripped):
        return None
    return float(stripped.replace(",", ""))


def try_number(value: Any) -> float | None:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return 0.0 if value == "" else parse_number(value)
    return None


def to_number(value: Any) -> float:
    """Azure's conversion to Number; ``NaN`` when the value has no number form."""
    number = try_number(value)
    return math.nan if number is None else number


# --- to String ----------------------------------------------------------------------------


def format_number(number: float) -> str:
    """A number as Azure prints it (.NET format ``0.#######``): ``1``, ``1.5``, ``-0.25``."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    try:
        rounded = Decimal(repr(float(number))).quantize(Decimal("1e-7"), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # beyond Decimal's default precision: plain integer digits
        return f"{number:.0f}"
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_datetime(moment: datetime) -> str:
    """DateTime to string, .NET ``yyyy-MM-dd HH:mm:sszzz``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return moment.strftime("%Y-%m-%d %H:%M:%S") + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return format_number(float(value))
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def try_string(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | Version | datetime):
        return format_scalar(value)
    return None


def to_string(value: Any) -> str:
    """Azure's conversion to String: ``True`` -> ``'True'``, ``1.0`` -> ``'1'``, null -> ``''``.

    Arrays and objects have no string form, and an unknown value has none yet: both raise
    :class:`ExpressionError`.
    """
    if value is UNKNOWN:
        raise ExpressionError("the value is not known until the run reaches it")
    text = try_string(value)
    if text is None:
        raise ExpressionError(f"cannot convert {type_name(value)} to String")
    return text


# --- to Version, Null, DateTime -------------------------------------------------------------


def try_version(value: Any) -> Version | None:
    if isinstance(value, Version):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Version.parse(format_number(float(value)))
    if isinstance(value, str):
        return Version.parse(value)
    return None


def is_nullish(value: Any) -> bool:
    """Convertible to Null: null itself or the empty string."""
    return value is None or (isinstance(value, str) and value == "")


_DATETIME_TEXT = re.compile(
    r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})"
    r"(?:\.(\d{1,7}))?(Z|[+-]\d{1,2}:\d{1,2})?"
)


def try_datetime(value: Any) -> datetime | None:
    """A DateTime, or a string in Azure's date-time form (no offset means UTC here)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    match = _DATETIME_TEXT.fullmatch(value.strip())
    if not match:
        return None
    year, _, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = UTC
    if zone and zone != "Z":
        hours, minutes = zone[1:].split(":")
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        tz = timezone(-delta if zone[0] == "-" else delta)
    micros = int((fraction or "0").ljust(7, "0")[:6])
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tz
        )
    except ValueError:
        return None


# --- equality and ordering ----------------------------------------------------------------


def fold(text: str) -> str:
    """Ordinal ignore-case key: each character upper-cased on its own, as .NET does."""
    return "".join(ch if len(up := ch.upper()) != 1 else up for ch in text)


def equals(left: Any, right: Any) -> bool:
    """``eq``: convert ``right`` to the type of ``left``; a failed conversion is not equal."""
    kind = type_name(left)
    if kind == "Boolean":
        return left is truthy(right)
    if kind == "Number":
        number = try_number(right)
        return number is not None and float(left) == number
    if kind == "String":
        text = try_string(right)
        return text is not None and fold(left) == fold(text)
    if kind == "Version":
        return bool(left == try_version(right))
    if kind == "DateTime":
        moment = try_datetime(right)
        return moment is not None and try_datetime(left) == moment
    if kind == "Null":
        return is_nullish(right)
    return left is right  # arrays and objects: the same instance only


def compare(left: Any, right: Any) -> int:
    """``gt``/``lt``/...: -1, 0 or 1; raises :class:`ConversionError` when ``right`` (or a
    left operand that is not ordered itself) cannot be converted."""
    kind = type_name(left)
    if kind == "Boolean":
        return _sign(int(left) - int(truthy(right) is True))
    if kind == "String":
        text = try_string(right)
        if text is None:
            raise ConversionError(right, "String")
        a, b = fold(left), fold(text)
        return (a > b) - (a < b)
    if kind == "Version":
        version = try_version(right)
        if version is None:
            raise ConversionError(right, "Version")
        return int(left > version) - int(left < version)
    if kind == "DateTime":
        moment = try_datetime(right)
        if moment is None:
            raise ConversionError(right, "DateTime")
        mine = try_datetime(left)
        assert mine is not None
        return (mine > moment) - (mine < moment)
    left_number = try_number(left)  # Null becomes 0; arrays and objects fail
    if left_number is None:
        raise ConversionError(left, "Number")
    number = try_number(right)
    if number is None:
        raise ConversionError(right, "Number")
    return (left_number > number) - (left_number < number)


def _sign(number: int) -> int:
    return (number > 0) - (number < 0)


# --- collections --------------------------------------------------------------------------


def lookup(mapping: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """Case-insensitive key lookup (an exact match wins): ``(found, value)``."""
    if key in mapping:
        return True, mapping[key]
    wanted = fold(key)
    for name, value in mapping.items():
        if isinstance(name, str) and fold(name) == wanted:
            return True, value
    return False, None


def canonical(value: Any) -> Any:
    """A deep copy with numbers as ``float`` and sequences as ``list``: what ``evaluate``
    hands back, whatever the context was built from (YAML ints, tuples, YMap...)."""
    if isinstance(value, bool) or value is None or value is UNKNOWN:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str | Version | datetime):
        return value
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    raise TypeError(f"not an expression value: {type(value).__name__}")


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(v) for v in value)
    return False
