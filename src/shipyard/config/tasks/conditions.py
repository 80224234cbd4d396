"""The small condition language of task inputs: ``command = run && pushMultipleImages = false``.

Azure task definitions make an input visible (and so required) only under a ``visibleRule``
such as ``command = Build an image || command = build``; the task reference pages print the
same rules as "Required when ...". We keep that syntax so a rule in Shipyard's catalogue can be
compared line by line with Azure's documentation.

Grammar: clauses ``NAME = VALUE``, ``NAME == VALUE`` or ``NAME != VALUE`` (the value runs to the
next operator and may contain spaces), joined by ``&&`` and ``||`` with the usual precedence
(``&&`` binds tighter). Parsing happens once, when the catalogue is built, so a typo in a rule
fails at import time and in the tests rather than in a user's pipeline.

Evaluation is three-valued: a clause whose input holds a runtime macro (``$(var)``) cannot be
decided while validating, and an undecided condition never makes an input required.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_CLAUSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|=|!=)\s*(\S.*?)\s*$")


@dataclass(frozen=True, slots=True)
class Clause:
    """``name = value`` or, with ``negate``, ``name != value``."""

    name: str
    value: str
    negate: bool = False

    def describe(self) -> str:
        return f"{self.name} is {'not ' if self.negate else ''}'{self.value}'"


Test = Callable[[Clause], "bool | None"]


@dataclass(frozen=True, slots=True)
class Condition:
    """A disjunction of conjunctions of clauses, with the text it was parsed from."""

    text: str
    groups: tuple[tuple[Clause, ...], ...]

    @classmethod
    def parse(cls, text: str) -> Condition:
        groups: list[tuple[Clause, ...]] = []
        for alternative in text.split("||"):
            clauses: list[Clause] = []
            for part in alternative.split("&&"):
                match = _CLAUSE.match(part)
                if match is None:
                    raise ValueError(f"bad clause {part.strip()!r} in condition {text!r}")
                name, op, value = match.groups()
                clauses.append(Clause(name, value, negate=op == "!="))
            groups.append(tuple(clauses))
        return cls(text, tuple(groups))

    def names(self) -> set[str]:
        return {clause.name for group in self.groups for clause in group}

    def evaluate(self, test: Test) -> tuple[bool | None, tuple[Clause, ...]]:
        """The truth of the condition and, when true, the alternative that made it so."""
        undecided = False
        for group in self.groups:
            results = [test(clause) for clause in group]
            if all(result is True for result in results):
                return True, group
            if not any(result is False for result in results):
                undecided = True
        return (None if undecided else False), ()


def describe(group: tuple[Clause, ...]) -> str:
    """``command is 'run' and runInBackground is 'true'``."""
    return " and ".join(clause.describe() for clause in group)
