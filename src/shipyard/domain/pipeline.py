"""The pipeline model: what a pipeline file means once templates are expanded.

Frozen dataclasses, no behaviour beyond small derived properties. Locations travel with
the values that users write, so that a later error (a cycle, a bad condition) still points
at file:line:column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from shipyard.domain.diagnostics import Loc


@dataclass(frozen=True, slots=True)
class Filter:
    """An include/exclude pair, as Azure's ``branches``, ``paths`` and ``tags`` have."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.include and not self.exclude


@dataclass(frozen=True, slots=True)
class CITrigger:
    """``trigger:``. ``enabled=False`` is ``trigger: none``.

    With no ``trigger:`` key at all Azure runs CI for every branch: that is
    ``CITrigger()`` with empty filters (``branches`` empty means all branches).
    """

    enabled: bool = True
    batch: bool = False
    branches: Filter = Filter()
    paths: Filter = Filter()
    tags: Filter = Filter()
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class PRTrigger:
    """``pr:``. ``enabled=False`` is ``pr: none``."""

    enabled: bool = True
    branches: Filter = Filter()
    paths: Filter = Filter()
    drafts: bool = True
    auto_cancel: bool = True
    loc: Loc | None = None


StepKind = Literal[
    "script", "bash", "pwsh", "powershell", "task", "checkout", "publish", "download"
]


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    name: str  # the step's identifier: ``name:`` or a generated ``__step_N``
    display_name: str
    body: str  # the script text, the task reference (``Docker@1``) or the checkout target
    inputs: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    condition: str = "succeeded()"
    continue_on_error: bool = False
    timeout_minutes: int = 0
    enabled: bool = True
    working_directory: str = ""
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    value: str
    readonly: bool = False
    secret: bool = False
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    display_name: str
    steps: tuple[Step, ...]
    depends_on: tuple[str, ...] = ()
    condition: str = "succeeded()"
    variables: tuple[Variable, ...] = ()
    variable_groups: tuple[str, ...] = ()
    timeout_minutes: int = 60
    continue_on_error: bool = False
    pool: str = "local"
    demands: tuple[str, ...] = ()  # normalised (shipyard.domain.pools)
    deployment: bool = False
    environment: str = ""
    strategy: str = ""
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    display_name: str
    jobs: tuple[Job, ...]
    depends_on: tuple[str, ...] = ()
    condition: str = "succeeded()"
    variables: tuple[Variable, ...] = ()
    variable_groups: tuple[str, ...] = ()
    loc: Loc | None = None


@dataclass(frozen=True, slots=True)
class Pipeline:
    """One pipeline file, templates expanded."""

    file: str
    name_format: str
    trigger: CITrigger
    pr: PRTrigger
    variables: tuple[Variable, ...]
    variable_groups: tuple[str, ...]
    parameters: dict[str, Any]
    stages: tuple[Stage, ...]
    pool: str = "local"
    demands: tuple[str, ...] = ()
    resources: dict[str, Any] = field(default_factory=dict)
