"""Shared by the task tests: load a one-step YAML snippet with real locations, validate it."""

from __future__ import annotations

from collections.abc import Callable
from textwrap import dedent

from shipyard.config.tasks import validate_task_step
from shipyard.config.yamlsrc import YMap, load_text
from shipyard.domain.diagnostics import Diagnostic, Diagnostics, Loc

FILE = "azure-pipelines.yml"

Check = Callable[[str], list[Diagnostic]]


def at(line: int, col: int) -> Loc:
    return Loc(FILE, line, col)


def only(diags: list[Diagnostic]) -> Diagnostic:
    assert len(diags) == 1, [d.render() for d in diags]
    return diags[0]


def load_step(text: str) -> YMap:
    diags = Diagnostics()
    source = load_text(dedent(text).lstrip("\n"), FILE, diags)
    assert source is not None and not diags, diags.items
    assert isinstance(source.root, YMap)
    return source.root


def check_step(step: YMap) -> list[Diagnostic]:
    """Validate a step mapping ``{task: ..., inputs: {...}}`` the way the loader will."""
    diags = Diagnostics()
    task = step["task"]
    inputs_loc = step.key_loc("inputs") if "inputs" in step else step.key_loc("task")
    validate_task_step(task, task.loc, step.get("inputs"), inputs_loc, diags)
    return diags.sorted() + diags.sorted_warnings()
