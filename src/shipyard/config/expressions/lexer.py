"""Tokens of the expression language, read the way Azure Pipelines reads them.

Three rules are easy to get wrong and matter for compatibility:

- A number or version token runs until whitespace or punctuation, but a ``.`` does not end
  it: ``1.2.3`` is one version token, ``1.2`` one number. Two or more periods make a version.
- A ``.`` is the start of a number (``.5``) only where a value may start (at the beginning,
  after ``(``, ``[`` or ``,``); anywhere else it is a property dereference.
- A word right after a dereference is a property name, even ``true`` or ``and``.

Tokens carry their 0-based offset so every later error can point at its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from shipyard.config.expressions.errors import ExpressionError
from shipyard.config.expressions.values import parse_number
from shipyard.config.expressions.version import Version


class Kind(Enum):
    STRING = "a string"
    NUMBER = "a number"
    VERSION = "a version"
    WORD = "a name"
    PROPERTY = "a property name"
    LPAREN = "'('"
    RPAREN = "')'"
    LBRACKET = "'['"
    RBRACKET = "']'"
    COMMA = "','"
    DOT = "'.'"
    STAR = "'*'"
    END = "the end of the expression"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # as written
    offset: int
    value: object = None  # the literal's value for STRING, NUMBER and VERSION

    def describe(self) -> str:
        if self.kind is Kind.END:
            return "end of expression"
        return f"'{self.text}'" if len(self.text) <= 30 else f"'{self.text[:27]}...'"


_PUNCTUATION = {
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "[": Kind.LBRACKET,
    "]": Kind.RBRACKET,
    ",": Kind.COMMA,
    "*": Kind.STAR,
}
_ENDS_WORD = frozenset("()[],.") | frozenset(" \t\n\v\f\r")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_VALUE_STARTS_AFTER = (None, Kind.LPAREN, Kind.LBRACKET, Kind.COMMA)


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, ending with an END token; raises on unreadable input."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            tokens.append(Token(Kind.END, "", n))
            return tokens
        last = tokens[-1].kind if tokens else None
        ch = text[i]
        if ch in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[ch], ch, i))
            i += 1
        elif ch == "'":
            token = _read_string(text, i)
            tokens.append(token)
            i += len(token.text)
        elif ch == "." and last not in _VALUE_STARTS_AFTER:
            tokens.append(Token(Kind.DOT, ch, i))
            i += 1
        elif ch == "-" or ch == "." or ch.isdigit():
            token = _read_number(text, i)
            tokens.append(token)
            i += len(token.text)
        else:
            j = i + 1
            while j < n and text[j] not in _ENDS_WORD and text[j] not in "*'":
                j += 1
            word = text[i:j]
            if not _WORD.fullmatch(word):
                raise ExpressionError(
                    f"unrecognized text '{word}' at offset {i}",
                    i,
                    expected="a literal, a function call or a named value",
                )
            kind = Kind.PROPERTY if last is Kind.DOT else Kind.WORD
            tokens.append(Token(kind, word, i))
            i = j


def _read_string(text: str, start: int) -> Token:
    i, n = start + 1, len(text)
    chars: list[str] = []
    while i < n:
        ch = text[i]
        i += 1
        if ch == "'":
            if i < n and text[i] == "'":
                chars.append("'")
                i += 1
                continue
            return Token(Kind.STRING, text[start:i], start, "".join(chars))
        chars.append(ch)
    raise ExpressionError(
        f"unterminated string starting at offset {start}: expected a closing quote (')",
        start,
        expected="'",
    )


def _read_number(text: str, start: int) -> Token:
    i, n = start + 1, len(text)
    while i < n and (text[i] == "." or text[i] not in _ENDS_WORD):
        i += 1
    raw = text[start:i]
    if raw.count(".") >= 2:
        version = Version.parse(raw) if not raw.startswith("-") else None
        if version is not None and all(part.isdigit() for part in raw.split(".")):
            return Token(Kind.VERSION, raw, start, version)
        raise ExpressionError(
            f"invalid version '{raw}' at offset {start}: expected 2 to 4 numbers "
            "separated by '.', like 1.2.3",
            start,
            expected="a version",
        )
    if _DECIMAL.fullmatch(raw):
        number = parse_number(raw)
        if number is not None:
            return Token(Kind.NUMBER, raw, start, number)
    raise ExpressionError(
        f"invalid number '{raw}' at offset {start}", start, expected="a number like 3, -1.5 or .5"
    )
