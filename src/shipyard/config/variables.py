"""``variables:`` in its mapping and list forms, with ``group:`` references.

Names follow Azure's rules: letters, digits, ``.`` and ``_``, and not starting with the
reserved prefixes ``endpoint``, ``input``, ``secret``, ``path`` or ``securefile`` (Azure
reserves them for the agent). Runtime expressions (``$[ ... ]``) in values are parsed now so
that a typo is reported by ``shipyard validate``, not halfway through a run.
"""

from __future__ import annotations

import re
from typing import Any

from shipyard.config import expressions as ex
from shipyard.config import schema as sch
from shipyard.config.check import check
from shipyard.config.yamlsrc import YMap, loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean
from shipyard.domain.pipeline import Variable

_NAME = re.compile(r"^[A-Za-z0-9_.]+$")
_RESERVED = ("endpoint", "input", "secret", "path", "securefile")


def _check_name(name: str, loc: Loc, diags: Diagnostics) -> None:
    if not _NAME.match(name):
        diags.add(
            loc,
            f"variable name '{name}' may only hold letters, digits, '.' and '_'",
            code="bad-name",
        )
    elif name.lower().startswith(_RESERVED):
        diags.add(
            loc,
            f"variable name '{name}' starts with a reserved prefix ({', '.join(_RESERVED)})",
            code="bad-name",
        )


def _value(value: Any, loc: Loc, diags: Diagnostics) -> str:
    if isinstance(value, dict | list):
        diags.add(loc, "a variable's value must be a string, number or boolean", code="bad-type")
        return ""
    text = "" if value is None else ex.to_string(value)
    check_runtime_spans(text, loc, diags)
    return text


def check_runtime_spans(text: str, loc: Loc, diags: Diagnostics) -> None:
    """Parse every ``$[ ... ]`` in a value now (they are evaluated when a job starts)."""
    if "$[" not in text:
        return
    try:
        spans = ex.find_template_expressions(text)
    except ex.ExpressionError:
        return  # an unterminated ${{ was reported by the template expander
    for span in spans:
        if span.kind != "runtime":
            continue
        try:
            ex.parse(span.expression.strip())
        except ex.ExpressionError as err:
            diags.add(
                loc,
                f"runtime expression: {err.message}",
                code="bad-expression",
                snippet=text[span.start : span.end],
            )


def parse_variables(
    value: Any, loc: Loc, diags: Diagnostics
) -> tuple[tuple[Variable, ...], tuple[str, ...]]:
    if value is None:
        return (), ()
    out: list[Variable] = []
    groups: list[str] = []
    if isinstance(value, YMap):
        for name, val in value.items():
            kloc = value.key_loc(name)
            _check_name(str(name), kloc, diags)
            out.append(Variable(str(name), _value(val, loc_of(val, kloc), diags), loc=kloc))
        return tuple(out), ()
    if not isinstance(value, list):
        diags.add(loc, "'variables' must be a mapping or a list", code="bad-type")
        return (), ()
    seen: set[str] = set()
    for item in value:
        iloc = loc_of(item, loc_of(value, loc))
        if isinstance(item, dict) and "group" in item:
            check(item, sch.VARIABLE_ITEM["group"], iloc, diags)
            groups.append(str(item["group"]))
            continue
        if not isinstance(item, YMap) or "name" not in item:
            first = next(iter(item), "") if isinstance(item, YMap) else ""
            diags.add(
                iloc,
                "a variable in list form needs 'name' and 'value' (or 'group', or 'template')",
                code="missing-key",
                hint=did_you_mean(str(first), ["name", "group", "template"]) if first else "",
            )
            continue
        check(item, sch.VARIABLE_ITEM["name"], iloc, diags)
        name = str(item["name"])
        _check_name(name, item.key_loc("name"), diags)
        if name.lower() in seen:
            diags.add(
                item.key_loc("name"), f"variable '{name}' is defined twice", code="duplicate-name"
            )
        seen.add(name.lower())
        out.append(
            Variable(
                name,
                _value(item.get("value"), loc_of(item.get("value"), iloc), diags),
                readonly=str(item.get("readonly", False)).lower() == "true",
                loc=iloc,
            )
        )
    return tuple(out), tuple(groups)
