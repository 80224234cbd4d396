"""Versions as .NET's ``System.Version`` has them, which is what Azure compares.

``1.2.3`` in an expression is a version literal, and strings convert to versions when the
left operand of a comparison is one, so ``gt(1.10.0, '1.9')`` is True where a string
comparison would say False. .NET's rules are kept exactly: two to four non-negative
components, white space allowed around each, and a missing component sorting before 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INT32_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """A .NET ``System.Version``: 2 to 4 components; a missing component is -1.

    Ordering and equality follow .NET: components compare in order and a missing one sorts
    first, so ``1.2 < 1.2.0`` and ``1.2 != 1.2.0``.
    """

    major: int
    minor: int
    build: int = -1
    revision: int = -1

    @classmethod
    def parse(cls, text: str) -> Version | None:
        """Like .NET ``Version.TryParse``: ``None`` when ``text`` is not a version."""
        parts = text.split(".")
        if not 2 <= len(parts) <= 4:
            return None
        numbers: list[int] = []
        for part in parts:
            number = _parse_int32(part)
            if number is None or number < 0:
                return None
            numbers.append(number)
        return cls(*numbers)

    def __str__(self) -> str:
        parts = [self.major, self.minor, self.build, self.revision]
        return ".".join(str(p) for p in parts if p >= 0)


_INT32_TEXT = re.compile(r"[+-]?[0-9]+")


def _parse_int32(text: str) -> int | None:
    """.NET ``Int32.TryParse`` with ``NumberStyles.Integer`` (whitespace and a sign allowed)."""
    stripped = text.strip(" \t\n\v\f\r")
    if not _INT32_TEXT.fullmatch(stripped):
        return None
    number = int(stripped)
    return number if -_INT32_MAX - 1 <= number <= _INT32_MAX else None
