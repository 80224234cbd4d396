"""The one error type of the expression language.

Every problem, whether found while parsing or while evaluating, carries the 0-based offset
into the expression text where it starts, so that a caller can point at it: the CLI draws a
caret under it, and pipeline validation turns it into a column inside the YAML value.
``expected`` names what would have been valid there, for tools that want it apart from
the sentence.
"""

from __future__ import annotations

from shipyard.domain.diagnostics import ExitCode, ShipyardError


class ExpressionError(ShipyardError):
    """A malformed expression, or one that cannot be evaluated (a failed conversion)."""

    exit_code = ExitCode.INVALID

    def __init__(
        self, message: str, offset: int | None = None, *, expected: str = "", hint: str = ""
    ) -> None:
        super().__init__(message, hint=hint)
        self.offset = offset
        self.expected = expected

    def __repr__(self) -> str:
        return f"ExpressionError({self.message!r}, offset={self.offset!r})"

    def shifted(self, delta: int) -> ExpressionError:
        """The same error for an expression that starts ``delta`` characters into a larger
        text (a ``${{ }}`` inside a YAML value): offsets, including the one in the message,
        move by ``delta``."""
        if self.offset is None:
            return ExpressionError(self.message, None, expected=self.expected, hint=self.hint)
        moved = self.offset + delta
        message = self.message.replace(f"at offset {self.offset}", f"at offset {moved}")
        return ExpressionError(message, moved, expected=self.expected, hint=self.hint)
