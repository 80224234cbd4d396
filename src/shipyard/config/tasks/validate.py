"""Checking a ``task:`` step against its spec, and the inputs a task plugin receives.

``validate_task_step`` collects every problem of one step into the caller's ``Diagnostics``,
each at the location of the key or value at fault: a malformed reference, an unknown task or
major version, unknown or repeated inputs, values of the wrong type or outside a pick list,
required inputs that are missing (under the task's conditions), then the task's own rules.

``normalize_inputs`` turns a step's inputs into what a task plugin reads: every declared input
under its canonical name, defaults applied, every value a string, as Azure passes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shipyard.config.tasks.conditions import Clause, Condition, describe
from shipyard.config.tasks.model import Given, InputKind, InputSpec, StepView, TaskSpec
from shipyard.config.tasks.registry import REGISTRY, TaskRegistry
from shipyard.config.tasks.values import (
    as_text,
    has_macro,
    is_boolean,
    is_scalar,
    is_whole_number,
    kind_of,
)
from shipyard.config.yamlsrc import YMap, loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean

_REF = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.-]*)@([0-9]+)\s*$")


def resolve_task(
    task_ref: str, ref_loc: Loc, diags: Diagnostics, registry: TaskRegistry = REGISTRY
) -> TaskSpec | None:
    """The spec named by ``NAME@MAJOR``, or None with a diagnostic saying why not."""
    match = _REF.match(str(task_ref))
    if match is None:
        diags.add(
            ref_loc,
            f"expected NAME@MAJOR (e.g. Docker@2) in task reference, got '{task_ref}'",
            code="task-ref",
        )
        return None
    name, major = match.group(1), int(match.group(2))
    known = registry.canonical_name(name)
    if known is None:
        diags.add(
            ref_loc,
            f"unknown task '{name}'",
            code="unknown-task",
            hint=did_you_mean(name, registry.names())
            or f"known tasks: {', '.join(registry.names())}",
        )
        return None
    spec = registry.get(name, major)
    if spec is None:
        versions = ", ".join(f"{known}@{m}" for m in registry.majors(name))
        diags.add(
            ref_loc,
            f"task {known} has no major version {major}; known: {versions}",
            code="unknown-task-version",
        )
    return spec


def validate_task_step(
    task_ref: str,
    ref_loc: Loc,
    inputs: Mapping[str, Any] | None,
    inputs_loc: Loc,
    diags: Diagnostics,
    key_locs: Mapping[str, Loc] | None = None,
    *,
    registry: TaskRegistry = REGISTRY,
) -> TaskSpec | None:
    """Check one ``task:`` step; return its spec when the task itself is known."""
    spec = resolve_task(task_ref, ref_loc, diags, registry)
    if spec is None:
        return None
    if inputs is not None and not isinstance(inputs, Mapping):
        diags.add(
            loc_of(inputs, inputs_loc),
            f"inputs of {spec.ref} must be a mapping of input names to values, "
            f"not a {kind_of(inputs)}",
            code="inputs-not-mapping",
        )
        return spec  # nothing more to say until the inputs are readable
    given = _collect(spec, inputs or {}, inputs_loc, key_locs, diags)
    values = _values(spec, {name: g.raw for name, g in given.items() if is_scalar(g.raw)})
    view = StepView(spec, values, given, inputs_loc)
    _check_required(view, diags)
    for rule in spec.rules:
        rule(view, diags)
    return spec


def normalize_inputs(spec: TaskSpec, inputs: Mapping[str, Any] | None) -> dict[str, str]:
    """Every input of ``spec`` by canonical name: given values (as strings) or defaults.

    Booleans become ``true``/``false``, pick-list values their canonical spelling
    (Docker@1 ``Push an image`` -> ``push``), values with macros are passed unchanged.
    Unknown inputs are dropped; of an input given twice (name and alias), the first wins.
    """
    raw: dict[str, Any] = {}
    for key, value in (inputs or {}).items():
        found = spec.input(str(key))
        if found is not None and found.name not in raw and is_scalar(value):
            raw[found.name] = value
    return _values(spec, raw)


def _key_loc(
    key: object, inputs: Mapping[str, Any], key_locs: Mapping[str, Loc] | None, fallback: Loc
) -> Loc:
    if key_locs is not None and str(key) in key_locs:
        return key_locs[str(key)]
    if isinstance(inputs, YMap) and str(key) in inputs.key_locs:
        return inputs.key_loc(str(key))
    return loc_of(key, fallback)


def _collect(
    spec: TaskSpec,
    inputs: Mapping[str, Any],
    inputs_loc: Loc,
    key_locs: Mapping[str, Loc] | None,
    diags: Diagnostics,
) -> dict[str, Given]:
    given: dict[str, Given] = {}
    for key, raw in inputs.items():
        kloc = _key_loc(key, inputs, key_locs, inputs_loc)
        found = spec.input(str(key))
        if found is None:
            diags.add(
                kloc,
                f"{spec.ref} has no input '{key}'",
                code="unknown-input",
                hint=did_you_mean(str(key), spec.input_words()),
            )
            continue
        if found.name in given:
            first = given[found.name]
            diags.add(
                kloc,
                f"input '{found.name}' of {spec.ref} is given twice "
                f"(as '{first.key}' at line {first.key_loc.line} and as '{key}')",
                code="duplicate-input",
            )
            continue
        given[found.name] = Given(str(key), kloc, raw, loc_of(raw, kloc))
        _check_value(spec, found, given[found.name], diags)
    return given


def _check_value(spec: TaskSpec, found: InputSpec, entry: Given, diags: Diagnostics) -> None:
    """Type-check one value."""
    where = f"input '{found.name}' of {spec.ref}"
    if not is_scalar(entry.raw):
        diags.add(
            entry.value_loc,
            f"{where} must be a single value, not a {kind_of(entry.raw)}",
            code="input-type",
            hint="write several lines as one block string with `|`",
        )
        return
    text = as_text(entry.raw)
    if text is None or not text.strip() or has_macro(text):
        return
    if found.kind is InputKind.BOOLEAN and not is_boolean(entry.raw):
        diags.add(
            entry.value_loc,
            f"{where} expects a boolean (true or false), got '{text}'",
            code="input-type",
        )
    elif found.kind is InputKind.INT and not is_whole_number(entry.raw):
        diags.add(
            entry.value_loc, f"{where} expects a whole number, got '{text}'", code="input-type"
        )
    elif found.kind is InputKind.PICKLIST and found.choice(text) is None:
        allowed = ", ".join(c.describe() for c in found.choices)
        # values last: the hint then names the canonical spelling when both are close
        words = [c.label for c in found.choices if c.label] + [c.value for c in found.choices]
        diags.add(
            entry.value_loc,
            f"{where} must be one of {allowed}; got '{text}'",
            code="input-value",
            hint=did_you_mean(text, words),
        )


def _canonical(found: InputSpec, raw: Any) -> str:
    text = as_text(raw) or ""
    if has_macro(text):
        return text
    if found.kind is InputKind.BOOLEAN and is_boolean(raw):
        return text.strip().lower()
    if found.kind is InputKind.INT and is_whole_number(raw):
        return str(int(text))
    if found.kind is InputKind.PICKLIST:
        choice = found.choice(text)
        return choice.value if choice else text
    return text


def _values(spec: TaskSpec, raw: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for found in spec.inputs:
        value = raw.get(found.name)
        if value is None:
            value = found.default
        values[found.name] = "" if value is None else _canonical(found, value)
    return values


def _clause_holds(view: StepView, clause: Clause) -> bool | None:
    found = view.spec.input(clause.name)
    if found is None:  # pragma: no cover - TaskSpec checks rule names when it is built
        return None
    value = view.values.get(found.name, "")
    if has_macro(value):
        return None
    choice = found.choice(clause.value)
    expected = choice.value if choice else clause.value
    return (value.casefold() == expected.casefold()) != clause.negate


def _check_required(view: StepView, diags: Diagnostics) -> None:
    spec = view.spec
    for found in spec.inputs:
        if found.required is False:
            continue
        reason = ""
        if isinstance(found.required, Condition):
            holds, group = found.required.evaluate(lambda c: _clause_holds(view, c))
            if holds is not True:
                continue
            reason = f" when {describe(group)}"
        if view.values.get(found.name, "").strip():
            continue
        entry = view.given.get(found.name)
        if entry is not None and not is_scalar(entry.raw):
            continue  # already reported as a value of the wrong shape
        if entry is not None:
            diags.add(
                entry.value_loc,
                f"input '{found.name}' of {spec.ref} is empty but required{reason}",
                code="missing-input",
            )
        else:
            diags.add(
                view.inputs_loc,
                f"{spec.ref} needs input '{found.name}'{reason}",
                code="missing-input",
            )
