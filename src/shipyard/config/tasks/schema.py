"""A JSON Schema (draft 2020-12) of a task's ``inputs`` mapping, generated from its spec.

For editors and documentation: completion of input names and pick-list values while a
pipeline is written. It is a projection of the spec, never the source of truth, and it says
less: JSON Schema cannot express Azure's case-insensitive names or the conditions under which
an input is required, so only unconditionally required inputs without a default are listed as
``required``. ``validate_task_step`` remains the check that counts.
"""

from __future__ import annotations

from typing import Any

from shipyard.config.tasks.model import InputKind, InputSpec, TaskSpec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_RUNTIME = {"type": "string", "pattern": r"\$\(|\$\[|\$\{\{"}
_BOOLEAN_TEXT = {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"}


def _value_schema(spec: InputSpec) -> dict[str, Any]:
    if spec.kind is InputKind.BOOLEAN:
        options: list[dict[str, Any]] = [{"type": "boolean"}, _BOOLEAN_TEXT]
    elif spec.kind is InputKind.INT:
        options = [{"type": "integer"}, {"type": "string", "pattern": "^[-+]?[0-9]+$"}]
    elif spec.kind is InputKind.PICKLIST:
        words = [w for c in spec.choices for w in (c.value, c.label) if w]
        options = [{"enum": words}]
    else:
        return {"type": ["string", "boolean", "number", "null"]}
    schema: dict[str, Any] = {"anyOf": [*options, _RUNTIME]}
    if spec.default is not None:
        schema["default"] = spec.default
    return schema


def json_schema(spec: TaskSpec) -> dict[str, Any]:
    """The schema of ``inputs`` for ``spec``; every alias is listed as a property too."""
    properties: dict[str, Any] = {}
    for item in spec.inputs:
        value = _value_schema(item)
        properties[item.name] = value
        for alias in item.aliases:
            properties[alias] = {**value, "description": f"alias of {item.name}"}
    needed = [i for i in spec.inputs if i.required is True and i.default is None]
    # an input may be given under any of its names
    must = [{"anyOf": [{"required": [n]} for n in i.names]} for i in needed]
    return {
        "$schema": SCHEMA_DIALECT,
        "title": f"{spec.ref} inputs",
        "description": spec.summary,
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        **({"allOf": must} if must else {}),
    }
