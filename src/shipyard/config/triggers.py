"""``trigger:`` and ``pr:`` blocks in their three shapes: ``none``, a list, a mapping.

No ``trigger:`` key means CI for every branch (Azure's default); ``trigger: none`` turns CI
off. The list shorthand is a list of branch include patterns.
"""

from __future__ import annotations

from typing import Any

from shipyard.config import schema as sch
from shipyard.config.check import check, describe
from shipyard.config.yamlsrc import YMap
from shipyard.domain.diagnostics import Diagnostics, Loc
from shipyard.domain.pipeline import CITrigger, Filter, PRTrigger


def _filter(value: Any) -> Filter:
    if isinstance(value, list):
        return Filter(include=tuple(str(v) for v in value))
    if isinstance(value, dict):
        inc = value.get("include") or []
        exc = value.get("exclude") or []
        return Filter(
            include=tuple(str(v) for v in inc) if isinstance(inc, list) else (),
            exclude=tuple(str(v) for v in exc) if isinstance(exc, list) else (),
        )
    return Filter()


def _shape(value: Any, loc: Loc, key: str, mapping_schema: sch.Schema, diags: Diagnostics) -> str:
    """Validate the value's shape; returns 'none', 'list', 'map' or 'bad'."""
    if isinstance(value, str):
        if value.strip().lower() == "none":
            return "none"
        diags.add(
            loc,
            f"'{key}' must be 'none', a list of branches, or a mapping; got '{value}'",
            code="bad-value",
            hint=f"did you mean '{key}: [{value}]'?",
        )
        return "bad"
    if isinstance(value, list):
        check(value, sch.STR_LIST, loc, diags, what=f"'{key}'")
        return "list"
    if isinstance(value, dict):
        check(value, mapping_schema, loc, diags)
        return "map"
    if value is None:
        return "list"  # an empty key behaves like no filter
    diags.add(
        loc,
        f"'{key}' must be 'none', a list of branches, or a mapping; got {describe(value)}",
        code="bad-type",
    )
    return "bad"


def parse_ci_trigger(root: YMap, diags: Diagnostics) -> CITrigger:
    if "trigger" not in root:
        return CITrigger()
    value = root["trigger"]
    loc = root.value_loc("trigger")
    shape = _shape(value, loc, "trigger", sch.TRIGGER_MAP, diags)
    if shape == "none":
        return CITrigger(enabled=False, loc=loc)
    if shape == "list":
        return CITrigger(branches=_filter(value or []), loc=loc)
    if shape == "map":
        return CITrigger(
            batch=str(value.get("batch", False)).lower() == "true",
            branches=_filter(value.get("branches")),
            paths=_filter(value.get("paths")),
            tags=_filter(value.get("tags")),
            loc=loc,
        )
    return CITrigger(enabled=False, loc=loc)


def parse_pr_trigger(root: YMap, diags: Diagnostics) -> PRTrigger:
    if "pr" not in root:
        return PRTrigger()
    value = root["pr"]
    loc = root.value_loc("pr")
    shape = _shape(value, loc, "pr", sch.PR_MAP, diags)
    if shape == "none":
        return PRTrigger(enabled=False, loc=loc)
    if shape == "list":
        return PRTrigger(branches=_filter(value or []), loc=loc)
    if shape == "map":
        return PRTrigger(
            branches=_filter(value.get("branches")),
            paths=_filter(value.get("paths")),
            drafts=str(value.get("drafts", True)).lower() == "true",
            auto_cancel=str(value.get("autoCancel", True)).lower() == "true",
            loc=loc,
        )
    return PRTrigger(enabled=False, loc=loc)
