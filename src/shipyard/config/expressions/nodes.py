"""The syntax tree: what ``parse`` returns and ``evaluate`` walks.

Nodes are frozen and remember their offset in the source text, so an evaluation error (a
failed conversion, a status function in a template expression) points at the argument
that caused it, not at the whole expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Literal:
    """``'text'``, ``1.5``, ``True``, ``null`` or ``1.2.3``."""

    value: Any
    offset: int


@dataclass(frozen=True, slots=True)
class NamedValue:
    """A top-level name: ``variables``, ``parameters``, ``dependencies``, ...

    ``name`` is spelled the canonical way when it is a well-known one.
    """

    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Index:
    """``target.name`` (``key`` is a string Literal) or ``target[key]``.

    ``offset`` is where the whole ``target...`` starts, so errors point at the argument.
    """

    target: Expr
    key: Expr
    offset: int


@dataclass(frozen=True, slots=True)
class Wildcard:
    """``target.*`` or ``target[*]``: every element (of an array) or value (of an object)."""

    target: Expr
    offset: int


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args...)``; ``name`` is the canonical spelling (``startsWith``)."""

    name: str
    args: tuple[Expr, ...]
    offset: int
    close_offset: int  # where the ')' is, for errors about a missing argument


Expr = Literal | NamedValue | Index | Wildcard | Call
