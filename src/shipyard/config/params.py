"""Template and pipeline parameters: declarations, binding and type checks.

Azure accepts two declaration forms: the typed list (``- name: x, type: boolean,
default: false, values: [...]``) and the legacy mapping (``x: default``). A value is checked
against its declared type and ``values``; a parameter without a default must be passed; a
parameter that the template does not declare is an error ("unexpected parameter"), which is
where most template typos show up, so it gets a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shipyard.config.check import describe
from shipyard.config.yamlsrc import YList, YMap, YStr, loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean

PARAM_TYPES = (
    "string",
    "number",
    "boolean",
    "object",
    "step",
    "stepList",
    "job",
    "jobList",
    "deployment",
    "deploymentList",
    "stage",
    "stageList",
)
_PARAM_KEYS = ("name", "displayName", "type", "default", "values")


def _type_ok(kind: str, value: Any) -> bool:
    if isinstance(value, str) and "$(" in value:
        return True  # a macro resolved later; cannot be checked now
    if kind == "string":
        return isinstance(value, str | int | float | bool)
    if kind == "number":
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float):
            return True
        try:
            float(str(value))
        except ValueError:
            return False
        return True
    if kind == "boolean":
        return isinstance(value, bool) or str(value).lower() in ("true", "false")
    if kind in ("step", "job", "deployment", "stage"):
        return isinstance(value, dict)
    if kind.endswith("List"):
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return True  # object


def _coerce(kind: str, value: Any) -> Any:
    if kind == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    if kind == "number" and isinstance(value, str):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def parse_declarations(
    declared: Any, loc: Loc, diags: Diagnostics
) -> dict[str, tuple[YMap | None, Any, str, list[Any] | None]]:
    """name -> (declaration node, default or REQUIRED, type, allowed values)."""
    out: dict[str, tuple[YMap | None, Any, str, list[Any] | None]] = {}
    if declared is None:
        return out
    if isinstance(declared, YMap):  # legacy form: name: default
        for key, value in declared.items():
            out[str(key)] = (None, value, "object", None)
        return out
    if not isinstance(declared, YList):
        diags.add(loc, "'parameters' must be a list of declarations", code="bad-type")
        return out
    for item in declared:
        if not isinstance(item, YMap) or "name" not in item:
            diags.add(loc_of(item, loc), "a parameter declaration needs 'name'", code="bad-type")
            continue
        for key in item:
            if key not in _PARAM_KEYS:
                hint = did_you_mean(key, _PARAM_KEYS)
                diags.add(
                    item.key_loc(key),
                    f"unknown key '{key}' in a parameter declaration",
                    code="unknown-key",
                    hint=hint,
                )
        name = str(item["name"])
        kind = str(item.get("type", "string"))
        if kind not in PARAM_TYPES:
            diags.add(
                loc_of(item.get("type"), item.key_loc("type")),
                f"unknown parameter type '{kind}'",
                code="bad-parameter",
                hint=did_you_mean(kind, PARAM_TYPES) or f"one of: {', '.join(PARAM_TYPES)}",
            )
            kind = "object"
        if name in out:
            diags.add(
                item.key_loc("name"), f"parameter '{name}' is declared twice", code="duplicate-name"
            )
        values = item.get("values")
        allowed = list(values) if isinstance(values, list) else None
        out[name] = (item, item.get("default", REQUIRED), kind, allowed)
    return out


class _Required:
    def __repr__(self) -> str:
        return "<required>"


REQUIRED = _Required()


def bind_parameters(
    declared: Any,
    declared_loc: Loc,
    args: YMap | None,
    ref: YStr,
    diags: Diagnostics,
    expand: Callable[[Any], Any],
) -> dict[str, Any]:
    """Check ``args`` against the declarations of a template; return the bound values."""
    decls = parse_declarations(declared, declared_loc, diags)
    bound: dict[str, Any] = {}
    given = args or YMap(ref.loc)
    for key in given:
        if key not in decls:
            hint = did_you_mean(key, list(decls)) or (
                f"'{ref}' declares: {', '.join(decls)}" if decls else f"'{ref}' declares none"
            )
            diags.add(
                given.key_loc(key),
                f"unexpected parameter '{key}' for template '{ref}'",
                code="bad-parameter",
                hint=hint,
            )
    for name, (_node, default, kind, allowed) in decls.items():
        if name in given:
            value, vloc = given[name], given.key_loc(name)
        elif default is REQUIRED:
            diags.add(
                ref.loc,
                f"template '{ref}' needs parameter '{name}' (it has no default)",
                code="bad-parameter",
            )
            continue
        else:
            value, vloc = expand(default), declared_loc
        bound[name] = check_value(name, kind, allowed, value, vloc, diags)
    return bound


def check_value(
    name: str, kind: str, allowed: list[Any] | None, value: Any, loc: Loc, diags: Diagnostics
) -> Any:
    """Type-check one parameter value; returns it coerced (``'true'`` -> True for booleans)."""
    vloc = loc_of(value, loc)
    if not _type_ok(kind, value):
        diags.add(
            vloc,
            f"parameter '{name}' expects a {kind}, got {describe(value)}",
            code="bad-parameter",
        )
        return value
    value = _coerce(kind, value)
    if allowed is not None and value not in allowed and str(value) not in map(str, allowed):
        diags.add(
            vloc,
            f"parameter '{name}' must be one of {', '.join(map(str, allowed))}; "
            f"got {describe(value)}",
            code="bad-parameter",
        )
    return value
