"""Validation of JSON request bodies that reports every problem at once.

A client that sends three bad fields gets three messages in one 400 answer, each naming
its field, rather than fixing them one round trip at a time.
"""

from __future__ import annotations

import math
from http import HTTPStatus
from typing import Any

from fabrikam_common.jsonhttp import ApiError

# Resource ids in paths: letters, digits and dashes, as the route patterns use.
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9-]{0,63}"


class Problems:
    """Collects ``field: message`` lines; ``check()`` raises them as one 400 answer."""

    def __init__(self, what: str) -> None:
        self._what = what
        self.lines: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.lines.append(f"{field}: {message}")

    def check(self) -> None:
        if self.lines:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid {self._what}", self.lines)


def reject_unknown(doc: dict[str, Any], known: set[str], problems: Problems) -> None:
    for name in sorted(set(doc) - known):
        problems.add(name, "unknown field")


def text(
    doc: dict[str, Any],
    name: str,
    problems: Problems,
    *,
    required: bool = True,
    max_length: int = 200,
) -> str | None:
    """A non-blank string field (surrounding spaces removed), or None after a problem."""
    value = doc.get(name)
    if value is None:
        if required:
            problems.add(name, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(name, "must be a non-empty string")
        return None
    if len(value) > max_length:
        problems.add(name, f"must be at most {max_length} characters")
        return None
    return value.strip()


def number(
    doc: dict[str, Any],
    name: str,
    problems: Problems,
    *,
    above: float = 0.0,
    at_most: float | None = None,
) -> float | None:
    """A required finite number with ``above < value <= at_most``."""
    value = doc.get(name)
    if value is None:
        problems.add(name, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.add(name, "must be a number")
        return None
    if value <= above:
        problems.add(name, f"must be greater than {above:g}")
        return None
    if at_most is not None and value > at_most:
        problems.add(name, f"must be at most {at_most:g}")
        return None
    return float(value)


def boolean(doc: dict[str, Any], name: str, problems: Problems, *, default: bool = False) -> bool:
    value = doc.get(name, default)
    if not isinstance(value, bool):
        problems.add(name, "must be true or false")
        return default
    return value
