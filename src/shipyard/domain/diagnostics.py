"""Locations and diagnostics: how every user-facing error says where and what.

Errors are *collected*, never raised one at a time, so that a user fixing a pipeline sees
every problem of a file in one run (the way Zuul's config loader reports every stanza).
The collector is passed in explicitly; there is no global error list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in docs/exit-codes.md."""

    OK = 0
    FAILED = 1  # the command ran and the answer is "no" (a run failed, a gate closed)
    USAGE = 2  # bad command line
    INVALID = 3  # bad input: pipelines, settings, expressions
    ENVIRONMENT = 4  # a tool or service Shipyard needs is missing or broken
    INTERNAL = 70  # a bug in Shipyard; the message says where the log is


@dataclass(frozen=True, slots=True, order=True)
class Loc:
    """A 1-based position in a file."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: where it is, what is wrong, the offending text and a hint."""

    loc: Loc
    message: str
    code: str = "invalid"
    snippet: str = ""
    hint: str = ""
    severity: str = "error"  # or "warning": reported, and the pipeline still runs

    def render(self) -> str:
        text = f"{self.loc}: {self.severity}[{self.code}]: {self.message}"
        if self.snippet:
            text += f"\n    | {self.snippet}"
        if self.hint:
            text += f"\n    = {self.hint}"
        return text

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.loc.file,
            "line": self.loc.line,
            "column": self.loc.col,
            "code": self.code,
            "message": self.message,
            "snippet": self.snippet,
            "hint": self.hint,
            "severity": self.severity,
        }


@dataclass(slots=True)
class Diagnostics:
    """A collector passed through loading; reported together at the end."""

    items: list[Diagnostic] = field(default_factory=list)
    #: Kept apart from ``items``: a pipeline with warnings only is valid (``bool`` is False).
    warnings: list[Diagnostic] = field(default_factory=list)

    def add(
        self, loc: Loc, message: str, *, code: str = "invalid", snippet: str = "", hint: str = ""
    ) -> None:
        self.items.append(Diagnostic(loc, message, code, snippet, hint))

    def warn(self, loc: Loc, message: str, *, code: str, hint: str = "") -> None:
        """Something Azure accepts and Shipyard does differently (it says how)."""
        self.warnings.append(Diagnostic(loc, message, code, "", hint, "warning"))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)
        self.warnings.extend(other.warnings)

    def strict(self, codes: frozenset[str]) -> None:
        """Turn the warnings of ``codes`` (or every one, for ``"all"``) into errors: the
        setting ``policy.warnings_as_errors`` of teams that want no leeway."""
        keep: list[Diagnostic] = []
        for w in self.warnings:
            if "all" in codes or w.code in codes:
                self.items.append(Diagnostic(w.loc, w.message, w.code, w.snippet, w.hint))
            else:
                keep.append(w)
        self.warnings = keep

    def sorted_warnings(self) -> list[Diagnostic]:
        return sorted(set(self.warnings), key=lambda d: (d.loc, d.message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Diagnostic]:
        seen: set[tuple[Loc, str]] = set()
        out: list[Diagnostic] = []
        for d in sorted(self.items, key=lambda d: (d.loc, d.message)):
            if (d.loc, d.message) not in seen:
                seen.add((d.loc, d.message))
                out.append(d)
        return out


class ShipyardError(Exception):
    """Base of every error that the CLI turns into a message and an exit code."""

    exit_code: ExitCode = ExitCode.INVALID

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInput(ShipyardError):
    """Input that failed validation; carries every diagnostic found."""

    exit_code = ExitCode.INVALID

    def __init__(self, diagnostics: Diagnostics | list[Diagnostic], message: str = "") -> None:
        items = diagnostics.sorted() if isinstance(diagnostics, Diagnostics) else diagnostics
        self.diagnostics = items
        super().__init__(message or f"{len(items)} error(s) found")


class EnvironmentProblem(ShipyardError):
    """A tool or service Shipyard needs is missing, broken or unreachable."""

    exit_code = ExitCode.ENVIRONMENT


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """A 'did you mean' hint, case-insensitive, or '' when nothing is close."""
    import difflib

    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"did you mean '{lowered[close[0]]}'?" if close else ""
