"""How a task input's YAML value becomes the string a task receives.

Azure hands every input to a task as a string: booleans as ``true``/``false`` (accepted in any
case when written), numbers as their digits. Values that hold a runtime macro ``$(var)``, a
runtime expression ``$[ ... ]`` or a leftover template expression ``${{ ... }}`` are only known
when the step runs, so they are passed through untouched and never type-checked here.
"""

from __future__ import annotations

import re
from typing import Any

_MACRO = re.compile(r"\$\(|\$\[|\$\{\{")
_WHOLE_NUMBER = re.compile(r"^[-+]?[0-9]+$")


def has_macro(text: str) -> bool:
    """True when the value can only be known at run time."""
    return _MACRO.search(text) is not None


def is_scalar(raw: object) -> bool:
    return raw is None or isinstance(raw, str | bool | int | float)


def as_text(raw: Any) -> str | None:
    """The string Azure would pass for a scalar YAML value; None when the value is absent."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return str(raw)  # drops YStr's location: the result is a plain value
    return str(raw)


def is_boolean(raw: Any) -> bool:
    return isinstance(raw, bool) or (
        isinstance(raw, str) and raw.strip().lower() in ("true", "false")
    )


def is_whole_number(raw: Any) -> bool:
    if isinstance(raw, bool):
        return False
    return isinstance(raw, int) or (isinstance(raw, str) and bool(_WHOLE_NUMBER.match(raw.strip())))


def kind_of(raw: object) -> str:
    """A user-facing name for a YAML value's shape."""
    if isinstance(raw, dict):
        return "mapping"
    if isinstance(raw, list):
        return "list"
    if isinstance(raw, str):
        return "string"
    if isinstance(raw, bool):
        return "boolean"
    return "number" if isinstance(raw, int | float) else type(raw).__name__
