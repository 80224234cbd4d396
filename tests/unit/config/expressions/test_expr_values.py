"""Azure's conversion table, one row per documented rule (Microsoft "Expressions", Type casting)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from shipyard.config.expressions import (
    UNKNOWN,
    ExpressionError,
    Version,
    equals,
    to_number,
    to_string,
    truthy,
    type_name,
)
from shipyard.config.expressions.values import compare, try_version

TRUTHY = [
    (True, True),
    (False, False),
    (0.0, False),  # Number: 0 -> False
    (0, False),
    (1.0, True),  # any other number -> True
    (-0.5, True),
    ("", False),  # String: empty -> False
    ("false", True),  # any other string -> True, even 'false'
    ("0", True),
    (None, False),  # Null -> False
    (Version(1, 0), True),  # Version -> True
    ([], True),  # Arrays and objects -> True
    ({}, True),
    (UNKNOWN, UNKNOWN),
]


@pytest.mark.parametrize(("value", "expected"), TRUTHY)
def test_truthy(value: Any, expected: Any) -> None:
    assert truthy(value) is expected


TO_STRING = [
    (True, "True"),  # Boolean -> 'True' / 'False'
    (False, "False"),
    (None, ""),  # Null -> ''
    (1.0, "1"),  # Number: no decimal separator for whole numbers
    (3, "3"),
    (1.5, "1.5"),
    (-0.25, "-0.25"),
    (0.0, "0"),
    (-0.0, "0"),
    (1234567.0, "1234567"),  # no thousands separator
    (0.123456789, "0.1234568"),  # at most 7 decimals, rounded
    (1e20, "100000000000000000000"),
    (Version(1, 2), "1.2"),  # Version -> Major.Minor[.Build[.Revision]]
    (Version(1, 2, 3, 4), "1.2.3.4"),
    ("as is", "as is"),
    (datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC), "2024-03-05 07:08:09+00:00"),
]


@pytest.mark.parametrize(("value", "expected"), TO_STRING)
def test_to_string(value: Any, expected: str) -> None:
    assert to_string(value) == expected


@pytest.mark.parametrize("value", [[1], {"a": 1}, UNKNOWN])
def test_to_string_refuses_collections_and_unknown(value: Any) -> None:
    with pytest.raises(ExpressionError):
        to_string(value)


TO_NUMBER = [
    ("", 0.0),  # String: '' -> 0
    ("12", 12.0),
    (" 12 ", 12.0),  # leading/trailing white space allowed
    ("-1.5", -1.5),  # leading sign
    ("+3", 3.0),
    ("1,000", 1000.0),  # thousands separator allowed
    (".5", 0.5),
    ("5.", 5.0),
    (True, 1.0),  # Boolean -> 1 / 0
    (False, 0.0),
    (None, 0.0),  # Null -> 0
    (7, 7.0),
]


@pytest.mark.parametrize(("value", "expected"), TO_NUMBER)
def test_to_number(value: Any, expected: float) -> None:
    assert to_number(value) == expected


@pytest.mark.parametrize("value", ["abc", "1e3", "0x10", "1 2", "--1", ",5", Version(1, 2), [1]])
def test_to_number_not_convertible_is_nan(value: Any) -> None:
    assert math.isnan(to_number(value))


TYPE_NAMES = [
    ("x", "String"),
    (1.0, "Number"),
    (1, "Number"),
    (True, "Boolean"),
    (None, "Null"),
    (Version(1, 2), "Version"),
    ([1], "Array"),
    ({"a": 1}, "Object"),
    (UNKNOWN, "Unknown"),
    (datetime(2024, 1, 1, tzinfo=UTC), "DateTime"),
]


@pytest.mark.parametrize(("value", "expected"), TYPE_NAMES)
def test_type_name(value: Any, expected: str) -> None:
    assert type_name(value) == expected


VERSION_PARSE = [
    ("1.2", Version(1, 2)),
    ("1.2.3", Version(1, 2, 3)),
    ("1.2.3.4", Version(1, 2, 3, 4)),
    (" 1 . 2 ", Version(1, 2)),  # .NET allows white space around components
    ("1", None),  # Major and Minor at minimum
    ("1.2.3.4.5", None),
    ("1.-2", None),
    ("a.b", None),
    ("", None),
    ("2147483648.0", None),  # beyond Int32
]


@pytest.mark.parametrize(("text", "expected"), VERSION_PARSE)
def test_version_parse(text: str, expected: Version | None) -> None:
    assert Version.parse(text) == expected


NUMBER_TO_VERSION = [
    (1.5, Version(1, 5)),  # a number with a non-zero decimal
    (1.0, None),  # no decimal: not a version
    (-1.5, None),  # must be greater than zero
    ("1.2.3", Version(1, 2, 3)),  # String: Version.TryParse
    (True, None),  # Boolean: not convertible
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), NUMBER_TO_VERSION)
def test_to_version(value: Any, expected: Version | None) -> None:
    assert try_version(value) == expected


def test_version_order_follows_dotnet() -> None:
    assert Version(1, 2) < Version(1, 2, 0) < Version(1, 2, 0, 0)
    assert Version(1, 10) > Version(1, 9)
    assert Version(2, 0) > Version(1, 99, 99, 99)
    assert Version(1, 2) != Version(1, 2, 0)
    assert str(Version(1, 2, 0)) == "1.2.0"


EQUALS = [
    ("abc", "ABC", True),  # ordinal ignore-case
    ("1", 1.0, True),  # right converted to the left's type (String)
    ("1.0", 1.0, False),  # 1 -> '1', not '1.0'
    (1.0, "1.0", True),  # right converted to Number
    (1.0, "abc", False),  # failed conversion: not equal
    (True, "false", True),  # a non-empty string is True
    (None, "", True),  # '' converts to Null
    (None, 0.0, False),  # 0 does not
    ([1], [1], False),  # arrays: the same instance only
]


@pytest.mark.parametrize(("left", "right", "expected"), EQUALS)
def test_equals(left: Any, right: Any, expected: bool) -> None:
    assert equals(left, right) is expected


def test_compare_orders_by_left_type() -> None:
    assert compare("10", 9.0) < 0  # strings: '10' < '9'
    assert compare(10.0, "9") > 0  # numbers
    assert compare(None, -1.0) > 0  # Null compares as 0
