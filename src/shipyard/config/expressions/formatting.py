"""``format('Hello {0}', name)``, with Azure's rules for braces and date specifiers.

``{N}`` inserts argument N converted to String; ``{{`` and ``}}`` are literal braces; any
other brace is an error rather than silently passed through, as in Azure. A format
specifier (``{0:yyyyMMdd}``) applies to dates only (``pipeline.startTime``), and only the
.NET custom specifiers Azure documents are accepted: ``yyyy yy MM M dd d HH H mm m ss s``,
``f`` to ``fffffff``, ``zzz`` and ``K``, plus spaces and ``\\x`` escapes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shipyard.config.expressions.context import Invocation
from shipyard.config.expressions.values import (
    MAX_STRING,
    UNKNOWN,
    try_datetime,
    try_string,
    type_name,
)


def format_function(inv: Invocation) -> Any:
    template = inv.string(0)
    if template is UNKNOWN:
        return UNKNOWN
    out: list[str] = []
    size = len(template)
    i, n = 0, len(template)
    while i < n:
        ch = template[i]
        if ch == "{" and template.startswith("{{", i):
            out.append("{")
            i += 2
        elif ch == "}" and template.startswith("}}", i):
            out.append("}")
            i += 2
        elif ch == "{":
            index, spec, i = _placeholder(inv, template, i)
            text = _argument(inv, index, spec)
            if text is UNKNOWN:
                return UNKNOWN
            out.append(text)
            size += len(text)
            if size > MAX_STRING:
                raise inv.error(f"the result is over {MAX_STRING} characters")
        elif ch == "}":
            raise _bad_template(inv, template, f"unmatched '}}' at position {i}")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _placeholder(inv: Invocation, template: str, start: int) -> tuple[int, str, int]:
    """Read ``{N}`` or ``{N:spec}`` at ``start``: (N, spec, index after the '}')."""
    i = start + 1
    while i < len(template) and template[i].isdigit():
        i += 1
    digits = template[start + 1 : i]
    if not digits or int(digits) > 255:
        raise _bad_template(
            inv, template, f"'{{' at position {start} must be followed by an argument number"
        )
    spec: list[str] = []
    if i < len(template) and template[i] == ":":
        i += 1
        while i < len(template) and (template[i] != "}" or template.startswith("}}", i)):
            spec.append(template[i])
            i += 2 if template[i] == "}" else 1
    if i >= len(template) or template[i] != "}":
        raise _bad_template(inv, template, f"'{{' at position {start} is not closed by '}}'")
    index = int(digits)
    if index + 1 >= len(inv):
        given = len(inv) - 1
        raise inv.error(
            f"{{{index}}} refers to argument {index} but only {given} "
            f"argument{'s' if given != 1 else ''} follow the format string",
            0,
        )
    return index, "".join(spec), i + 1


def _argument(inv: Invocation, index: int, spec: str) -> Any:
    value = inv.arg(index + 1)
    if value is UNKNOWN:
        return UNKNOWN
    if not spec:
        text = try_string(value)
        if text is None:
            raise inv.error(f"cannot convert {type_name(value)} to String", index + 1)
        return text
    if not isinstance(value, datetime):
        raise inv.error(
            f"the format specifier '{spec}' applies to dates only, not to {type_name(value)}",
            index + 1,
        )
    moment = try_datetime(value)
    assert moment is not None
    text = format_date(moment, spec)
    if text is None:
        raise inv.error(f"unsupported date format specifier in '{spec}'", index + 1)
    return text


def _bad_template(inv: Invocation, template: str, problem: str) -> Exception:
    return inv.error(
        f"invalid format string: {problem}",
        0,
        hint="write '{{' and '}}' for literal braces; placeholders are {0}, {1}, ...",
    )


def format_date(moment: datetime, spec: str) -> str | None:
    """Apply .NET custom date specifiers; ``None`` if one is not supported."""
    out: list[str] = []
    i = 0
    while i < len(spec):
        ch = spec[i]
        if ch == "\\":
            if i + 1 >= len(spec):
                return None
            out.append(spec[i + 1])
            i += 2
            continue
        j = i
        while j < len(spec) and spec[j] == ch:
            j += 1
        run = spec[i:j]
        i = j
        text = " " * len(run) if ch == " " else _date_part(moment, run)
        if text is None:
            return None
        out.append(text)
    return "".join(out)


def _date_part(moment: datetime, run: str) -> str | None:
    simple = {
        "yyyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "MM": f"{moment.month:02d}",
        "M": str(moment.month),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "HH": f"{moment.hour:02d}",
        "H": str(moment.hour),
        "mm": f"{moment.minute:02d}",
        "m": str(moment.minute),
        "ss": f"{moment.second:02d}",
        "s": str(moment.second),
    }
    if run in simple:
        return simple[run]
    if run[0] == "f" and len(run) <= 7:
        return f"{moment.microsecond:06d}0"[: len(run)]
    if run in ("zzz", "K"):
        offset = moment.utcoffset() or timedelta(0)
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(int(offset.total_seconds())) // 60
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return None
