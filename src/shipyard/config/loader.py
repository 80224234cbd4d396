"""Load one pipeline file: parameters, compile-time variables, templates, ``extends``, model.

The order follows Azure's compile phase: the pipeline's own ``parameters`` are bound first
(defaults, or values given for a manual run), then the ``variables`` section is expanded so
that ``${{ variables.x }}`` sees literal values, then the whole file is expanded (includes
and ``extends`` too) and finally validated and turned into the model. Every problem lands in
the ``Diagnostics`` passed in; the result is None when the file could not be understood.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shipyard.config.compile_time import Scope
from shipyard.config.model import ModelBuilder
from shipyard.config.params import REQUIRED, check_value, parse_declarations
from shipyard.config.source import Source
from shipyard.config.templates import TemplateExpander
from shipyard.config.variables import parse_variables
from shipyard.config.yamlsrc import YMap, YStr, load_bytes, loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean
from shipyard.domain.pipeline import Pipeline

# Keys an extending pipeline keeps for itself; the rest come from the template.
_OWN_KEYS = (
    "name",
    "trigger",
    "pr",
    "resources",
    "variables",
    "parameters",
    "schedules",
    "lockBehavior",
    "appendCommitMessageToRunName",
)


def bind_pipeline_parameters(
    root: YMap, given: Mapping[str, str], diags: Diagnostics, file: str
) -> dict[str, Any]:
    decls = parse_declarations(root.get("parameters"), root.key_loc("parameters"), diags)
    for name in given:
        if name not in decls:
            diags.add(
                Loc(file),
                f"unknown pipeline parameter '{name}'",
                code="bad-parameter",
                hint=did_you_mean(name, list(decls))
                or f"the pipeline declares: {', '.join(decls) or 'none'}",
            )
    bound: dict[str, Any] = {}
    for name, (node, default, kind, allowed) in decls.items():
        if name in given:
            value: Any = given[name]
            loc = Loc(file)
        elif default is REQUIRED:
            where = node.loc if node is not None else root.key_loc("parameters")
            diags.add(
                where,
                f"pipeline parameter '{name}' has no default and no value was given",
                code="bad-parameter",
                hint=f"pass --param {name}=VALUE",
            )
            continue
        else:
            value = default
            loc = node.loc if node is not None else root.key_loc("parameters")
        bound[name] = check_value(name, kind, allowed, value, loc, diags)
    return bound


def compile_time_variables(
    expander: TemplateExpander, root: YMap, scope: Scope, diags: Diagnostics
) -> dict[str, Any]:
    """Literal variables visible to ``${{ variables.x }}`` (runtime ones are not yet known)."""
    expanded = expander.expand(root.get("variables"), scope, "variables")
    scratch = Diagnostics()  # reported once, by the model builder
    variables, _groups = parse_variables(expanded, root.key_loc("variables"), scratch)
    out = dict(scope.variables)
    for var in variables:
        if "$[" not in var.value:
            out[var.name] = var.value
    return out


def load_pipeline(
    source: Source,
    rel: str,
    diags: Diagnostics,
    *,
    predefined: Mapping[str, str] | None = None,
    parameters: Mapping[str, str] | None = None,
) -> Pipeline | None:
    """Load, expand and check one pipeline; None when it could not be understood at all.

    Every problem is added to ``diags``. A pipeline is returned even when some of its parts
    had errors, so that callers that only need its triggers can still use it; it must not
    be run unless ``diags`` stayed empty.
    """
    data = source.read(rel)
    if data is None:
        diags.add(Loc(rel), "pipeline file not found", code="not-found")
        return None
    src = load_bytes(data, rel, diags)
    if src is None:
        return None
    root = src.root
    if not isinstance(root, YMap):
        diags.add(
            Loc(rel, 1, 1),
            "a pipeline file must be a mapping (keys such as 'trigger', 'stages', 'steps')",
            code="bad-type",
        )
        return None
    bound = bind_pipeline_parameters(root, parameters or {}, diags, rel)
    expander = TemplateExpander(source, diags)
    scope = Scope(file=rel, parameters=bound, variables=dict(predefined or {}))
    scope.variables = compile_time_variables(expander, root, scope, diags)
    body = YMap(root.loc)
    for key, value in root.items():
        if key != "parameters":
            section = key if key in ("stages", "jobs", "steps", "variables") else ""
            value = expander.expand(value, scope, section)
        body.put_from(root, key, value)
    if "extends" in body:
        extended = _apply_extends(expander, body, scope, diags)
        if extended is None:
            return None  # the template that defines the pipeline could not be used
        body = extended
    if expander.exhausted:
        return None  # the expansion was cut short: checking the rest would only mislead
    return ModelBuilder(rel, diags).pipeline(body, bound)


def _apply_extends(
    expander: TemplateExpander, body: YMap, scope: Scope, diags: Diagnostics
) -> YMap | None:
    ext = body["extends"]
    kloc = body.key_loc("extends")
    out = YMap(body.loc)
    for key in _OWN_KEYS:
        if key in body:
            out.put_from(body, key, body[key])
    for key in body:
        if key not in _OWN_KEYS and key != "extends":
            diags.add(
                body.key_loc(key),
                f"'{key}' cannot stand beside 'extends'; the template defines it",
                code="bad-shape",
            )
    for key in ext if isinstance(ext, YMap) else ():
        if key not in ("template", "parameters"):
            diags.add(
                ext.key_loc(key),
                f"unknown key '{key}' in extends",
                code="unknown-key",
                hint=did_you_mean(key, ["template", "parameters"]),
            )
    if not isinstance(ext, YMap) or not isinstance(ext.get("template"), YStr):
        diags.add(
            kloc, "'extends' needs 'template: FILE' (and optional 'parameters')", code="missing-key"
        )
        return None
    args = ext.get("parameters")
    tpl = expander.instantiate(
        ext["template"],
        args if isinstance(args, YMap) else None,
        ext.key_loc("parameters"),
        scope,
        "",
    )
    if tpl is None:
        return None
    for key, value in tpl.items():
        if key == "variables" and "variables" in out:
            diags.add(
                loc_of(value, kloc),
                "both the pipeline and its template define 'variables'; define them in one place",
                code="bad-shape",
            )
            continue
        if key not in out:
            out.put_from(tpl, key, value)
    return out
