"""Apply a JSON Schema to a located value and turn its errors into diagnostics.

jsonschema reports a path into the instance; since our values carry their locations, the
path leads straight to the line and column. Messages are rewritten into the words a
pipeline author uses ("unknown key 'inptus' in a task step; did you mean 'inputs'?").
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from shipyard.config.yamlsrc import YMap, loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean

_VALIDATORS: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """Compile each schema once (schemas are module constants; the id is stable)."""
    hit = _VALIDATORS.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = (schema, Draft202012Validator(schema))
        _VALIDATORS[id(schema)] = hit
    return hit[1]


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"the string '{short}'"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _walk(instance: Any, path: list[Any], fallback: Loc) -> tuple[Any, Any, Loc]:
    """Follow ``path`` into ``instance``; return (parent, value, best location)."""
    parent: Any = None
    node = instance
    loc = loc_of(instance, fallback)
    for part in path:
        parent = node
        if isinstance(node, YMap) and isinstance(part, str):
            loc = node.value_loc(part) if part in node else node.key_loc(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        loc = loc_of(node, loc)
    return parent, node, loc


def check(
    value: Any, schema: dict[str, Any], where: Loc, diags: Diagnostics, what: str = ""
) -> bool:
    """Validate ``value``; add a diagnostic per problem; True when there were none."""
    errors = sorted(_validator(schema).iter_errors(value), key=lambda e: list(map(str, e.path)))
    mine = Diagnostics()
    for error in errors:
        _report(error, value, where, mine, what)
    for item in mine.sorted():  # one per (place, message): 'required' repeats per key
        diags.items.append(item)
    return not errors


def _title(schema: dict[str, Any], fallback: str) -> str:
    title = schema.get("title")
    return f"a {title}" if isinstance(title, str) else (fallback or "this mapping")


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "empty",
}


def _expected_types(schema: dict[str, Any]) -> str:
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    return " or ".join(_TYPE_WORDS.get(k, k) for k in kinds) or "something else"


def _unknown_keys(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, str]:
    """Each key the schema does not allow -> the hint that goes with it."""
    allowed = list(schema.get("properties", {}))
    hints: dict[str, str] = {}
    for extra in sorted(set(node) - set(allowed)):
        hints[extra] = (
            schema.get("x-hints", {}).get(extra)
            or did_you_mean(extra, allowed)
            or f"expected one of: {', '.join(allowed)}"
        )
    return hints


def _report(error: ValidationError, root: Any, where: Loc, diags: Diagnostics, what: str) -> None:
    path = list(error.absolute_path)
    _parent, node, loc = _walk(root, path, where)
    key = str(path[-1]) if path and isinstance(path[-1], str) else ""
    schema = error.schema if isinstance(error.schema, dict) else {}
    label = f"'{key}'" if key else (what or "the value")
    if error.validator == "additionalProperties" and isinstance(node, dict):
        for extra, hint in _unknown_keys(node, schema).items():
            kloc = node.key_loc(extra) if isinstance(node, YMap) else loc
            message = f"unknown key '{extra}' in {_title(schema, what)}"
            diags.add(kloc, message, code="unknown-key", hint=hint)
        return
    if error.validator == "required" and isinstance(node, dict):
        # A misspelt key ('stpes') is reported once, as unknown with its did-you-mean.
        typos = " ".join(_unknown_keys(node, schema).values())
        for name in schema.get("required", []):
            if name not in node and f"'{name}'?" not in typos:
                diags.add(loc, f"{_title(schema, what)} needs '{name}'", code="missing-key")
        return
    if error.validator == "enum":
        choices = ", ".join(map(str, schema.get("enum", [])))
        diags.add(loc, f"{label} must be one of: {choices}; got {describe(node)}", code="bad-value")
        return
    expected = schema.get("x-expected")
    if error.validator == "pattern" and expected:
        diags.add(loc, f"{label} must be {expected}; got {describe(node)}", code="bad-value")
        return
    if error.validator == "type" or expected:
        wanted = expected or _expected_types(schema)
        diags.add(loc, f"{label} must be {wanted}; got {describe(node)}", code="bad-type")
        return
    diags.add(loc, f"{label}: {error.message}", code="bad-value")
