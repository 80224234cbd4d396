"""What a task is, as data: its inputs, their names, aliases, kinds, defaults and requirements.

Each task Shipyard knows (``Docker@1``, ``HelmDeploy@0``, ...) is a ``TaskSpec`` built from the
input list of Azure's own task definition (``task.json``) and its reference page. Validation,
normalisation and the JSON Schema for editors are all derived from this one description; the
only code per task is a short list of *rules* for the few policies that a schema cannot say
("never push ``latest``", "only ``az acr helm push`` in an AzureCLI script").

Input names are case-insensitive, as in Azure (``dockerFile`` and ``Dockerfile`` are the same
input of Docker@1). Where Azure's YAML name differs from the ``task.json`` name, the YAML name
(the one its reference page documents, e.g. ``testResultsFormat``) is the canonical name and the
other is an alias; normalised inputs always use canonical names.

The small constructors at the bottom (``text``, ``flag``, ``pick``, ...) keep the catalogue
modules readable: one line per input, close to the documentation they copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shipyard.config.tasks.conditions import Condition
from shipyard.domain.diagnostics import Diagnostics, Loc


class InputKind(StrEnum):
    """The input types of Azure task definitions that Shipyard checks."""

    STRING = "string"
    MULTILINE = "multiLine"
    FILEPATH = "filePath"
    BOOLEAN = "boolean"
    INT = "int"
    PICKLIST = "pickList"
    CONNECTION = "connectedService"  # the name of a service connection


@dataclass(frozen=True, slots=True)
class Choice:
    """One allowed value of a pick list, with the display label Azure also accepts.

    Docker@1's ``command`` is written either ``push`` or ``Push an image``; both select the
    choice whose canonical ``value`` is ``push``.
    """

    value: str
    label: str | None = None

    def matches(self, text: str) -> bool:
        folded = text.strip().casefold()
        return folded == self.value.casefold() or (
            self.label is not None and folded == self.label.casefold()
        )

    def describe(self) -> str:
        return f"'{self.value}'" + (f" ('{self.label}')" if self.label else "")


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One input of a task."""

    name: str
    kind: InputKind = InputKind.STRING
    aliases: tuple[str, ...] = ()
    default: str | None = None
    required: bool | Condition = False
    choices: tuple[Choice, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def choice(self, text: str) -> Choice | None:
        return next((c for c in self.choices if c.matches(text)), None)


@dataclass(frozen=True, slots=True)
class Given:
    """An input as the user wrote it: the key's spelling and where key and value are."""

    key: str
    key_loc: Loc
    raw: Any
    value_loc: Loc


@dataclass(frozen=True, slots=True)
class StepView:
    """What a rule sees: normalised values (defaults applied) and where the user wrote them."""

    spec: TaskSpec
    values: Mapping[str, str]
    given: Mapping[str, Given]
    inputs_loc: Loc

    def value(self, name: str) -> str:
        spec = self.spec.input(name)
        return self.values.get(spec.name, "") if spec else ""

    def was_given(self, name: str) -> Given | None:
        spec = self.spec.input(name)
        return self.given.get(spec.name) if spec else None

    def value_loc(self, name: str) -> Loc:
        given = self.was_given(name)
        return given.value_loc if given else self.inputs_loc


Rule = Callable[[StepView, Diagnostics], None]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A task at one major version: ``Docker`` @ ``1``."""

    name: str
    major: int
    summary: str
    inputs: tuple[InputSpec, ...]
    rules: tuple[Rule, ...] = ()
    _index: dict[str, InputSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, InputSpec] = {}
        for spec in self.inputs:
            for word in spec.names:
                if word.casefold() in index:
                    raise ValueError(f"{self.ref}: input name {word!r} is declared twice")
                index[word.casefold()] = spec
        object.__setattr__(self, "_index", index)
        for spec in self.inputs:
            if spec.default is not None and spec.choices and spec.choice(spec.default) is None:
                raise ValueError(f"{self.ref}: default of {spec.name!r} is not a choice")
            if isinstance(spec.required, Condition):
                unknown = {n for n in spec.required.names() if n.casefold() not in index}
                if unknown:
                    raise ValueError(f"{self.ref}: rule of {spec.name!r} names {sorted(unknown)}")

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.major}"

    def input(self, key: str) -> InputSpec | None:
        """The input called ``key`` (by name or alias, in any case)."""
        return self._index.get(key.strip().casefold())

    def input_words(self) -> list[str]:
        """Every accepted input name and alias, for "did you mean" hints."""
        return [word for spec in self.inputs for word in spec.names]


# --- constructors used by the catalogue modules -------------------------------------------


def when(rule: str) -> Condition:
    """``required=when("command = run")``: required only under that condition."""
    return Condition.parse(rule)


def _required(required: bool | str) -> bool | Condition:
    return when(required) if isinstance(required, str) else required


def text(
    name: str,
    *aliases: str,
    default: str | None = None,
    required: bool | str = False,
    kind: InputKind = InputKind.STRING,
) -> InputSpec:
    return InputSpec(name, kind, tuple(aliases), default, _required(required))


def lines(
    name: str, *aliases: str, default: str | None = None, required: bool | str = False
) -> InputSpec:
    return text(name, *aliases, default=default, required=required, kind=InputKind.MULTILINE)


def path(
    name: str, *aliases: str, default: str | None = None, required: bool | str = False
) -> InputSpec:
    return text(name, *aliases, default=default, required=required, kind=InputKind.FILEPATH)


def connection(name: str, *aliases: str, required: bool | str = False) -> InputSpec:
    return text(name, *aliases, required=required, kind=InputKind.CONNECTION)


def flag(name: str, *aliases: str, default: bool = False) -> InputSpec:
    return InputSpec(name, InputKind.BOOLEAN, tuple(aliases), "true" if default else "false")


def number(name: str, *aliases: str, default: int | None = None) -> InputSpec:
    return InputSpec(name, InputKind.INT, tuple(aliases), None if default is None else str(default))


def pick(
    name: str,
    options: Sequence[str | tuple[str, str]],
    *aliases: str,
    default: str | None = None,
    required: bool | str = False,
) -> InputSpec:
    """A pick list; an option is ``"value"`` or ``("value", "Display label")``."""
    choices = tuple(Choice(o) if isinstance(o, str) else Choice(*o) for o in options)
    return InputSpec(
        name, InputKind.PICKLIST, tuple(aliases), default, _required(required), choices
    )
