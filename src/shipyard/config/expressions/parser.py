"""Recursive-descent parser: text to a syntax tree, or an error that says where and what.

The grammar is Azure's, which has no operators, only literals, names, indexing and calls::

    expr    := primary postfix*
    primary := STRING | NUMBER | VERSION | true | false | null
             | NAME '(' [expr (',' expr)*] ')'          -- a function call
             | NAME                                       -- variables, parameters, ...
    postfix := '.' PROPERTY | '.' '*' | '[' expr ']' | '[' '*' ']'

Input is bounded before any work that could be expensive: at most ``MAX_LENGTH`` characters
and ``MAX_DEPTH`` levels of nesting (calls and indexing both count), which also keeps the
recursive evaluator far from Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable

from shipyard.config.expressions import signatures
from shipyard.config.expressions.errors import ExpressionError
from shipyard.config.expressions.lexer import Kind, Token, tokenize
from shipyard.config.expressions.nodes import Call, Expr, Index, Literal, NamedValue, Wildcard
from shipyard.config.expressions.values import fold
from shipyard.domain.diagnostics import did_you_mean

MAX_LENGTH = 10_000
MAX_DEPTH = 50

NAMED_VALUES = ("variables", "parameters", "dependencies", "stageDependencies", "pipeline")
_KEYWORDS = {"true": True, "false": False, "null": None}


def parse(text: str, *, named_values: Iterable[str] = ()) -> Expr:
    """Parse one expression (the text inside ``${{ }}``, ``$[ ]`` or a ``condition:``).

    ``named_values`` adds top-level names beyond the well-known ones, such as the loop
    variable of a template ``${{ each }}``. Raises :class:`ExpressionError`.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(text)} characters; the limit is {MAX_LENGTH})",
            MAX_LENGTH,
            expected=f"at most {MAX_LENGTH} characters",
        )
    parser = _Parser(tokenize(text), named_values)
    if parser.peek().kind is Kind.END:
        raise ExpressionError(
            "empty expression: expected a value such as a literal or a function call",
            0,
            expected="a value",
        )
    expr, _ = parser.expression(0)
    tail = parser.peek()
    if tail.kind is not Kind.END:
        extra = " (is there one ')' too many?)" if tail.kind is Kind.RPAREN else ""
        raise ExpressionError(
            f"unexpected {tail.describe()} at offset {tail.offset}: "
            f"expected the end of the expression{extra}",
            tail.offset,
            expected="end of expression",
        )
    return expr


class _Parser:
    def __init__(self, tokens: list[Token], extra_names: Iterable[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.names = {fold(n): n for n in (*NAMED_VALUES, *extra_names)}

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def expression(self, level: int) -> tuple[Expr, int]:
        """One expression at ``level`` enclosing calls/indexers; returns it and its depth."""
        token = self.take()
        _check_depth(level, token)
        expr: Expr
        if token.kind in (Kind.STRING, Kind.NUMBER, Kind.VERSION):
            return Literal(token.value, token.offset), 0
        if token.kind is not Kind.WORD:
            raise _unexpected(token, "a value (a literal, a function call or a named value)")
        if self.peek().kind is Kind.LPAREN:
            expr, depth = self.call(token, level)
        elif token.text.lower() in _KEYWORDS:
            return Literal(_KEYWORDS[token.text.lower()], token.offset), 0
        else:
            expr, depth = self.named_value(token), 0
        return self.postfix(expr, depth, level)

    def call(self, name: Token, level: int) -> tuple[Call, int]:
        _check_depth(level + 1, name)
        sig = signatures.find(name.text)
        if sig is None:
            hint = did_you_mean(name.text, [s.name for s in signatures.SIGNATURES])
            raise ExpressionError(
                f"unknown function '{name.text}' at offset {name.offset}"
                + (f"; {hint}" if hint else ""),
                name.offset,
                expected="a function name",
            )
        self.take()  # '('
        args: list[Expr] = []
        depth = 0
        if self.peek().kind is Kind.RPAREN:
            close = self.take()
        else:
            while True:
                arg_start = self.peek()
                arg, arg_depth = self.expression(level + 1)
                if len(args) == sig.max_args:
                    raise ExpressionError(
                        f"too many arguments to {sig.name}() at offset {arg_start.offset}: "
                        f"it takes at most {sig.max_args}",
                        arg_start.offset,
                        expected="')'",
                    )
                args.append(arg)
                depth = max(depth, arg_depth)
                sep = self.take()
                if sep.kind is Kind.RPAREN:
                    close = sep
                    break
                if sep.kind is not Kind.COMMA:
                    want = "')'" if len(args) >= sig.max_args else "',' or ')'"
                    raise _unexpected(sep, want)
        if len(args) < sig.min_args:
            raise ExpressionError(
                f"too few arguments to {sig.name}() at offset {close.offset}: it takes at "
                f"least {sig.min_args}, got {len(args)}",
                close.offset,
                expected="another argument",
            )
        return Call(sig.name, tuple(args), name.offset, close.offset), depth + 1

    def named_value(self, token: Token) -> NamedValue:
        canonical = self.names.get(fold(token.text))
        if canonical is not None:
            return NamedValue(canonical, token.offset)
        if signatures.find(token.text) is not None:
            raise ExpressionError(
                f"'{token.text}' at offset {token.offset} is a function: expected '(' after it",
                token.offset + len(token.text),
                expected="'('",
            )
        names = sorted(self.names.values())
        hint = did_you_mean(token.text, names)
        raise ExpressionError(
            f"unrecognized value '{token.text}' at offset {token.offset}: expected a literal, "
            f"a function call or one of {', '.join(names)}" + (f"; {hint}" if hint else ""),
            token.offset,
            expected="a value",
        )

    def postfix(self, expr: Expr, depth: int, level: int) -> tuple[Expr, int]:
        while self.peek().kind in (Kind.DOT, Kind.LBRACKET):
            opener = self.take()
            _check_depth(level + depth + 1, opener)
            if opener.kind is Kind.DOT:
                name = self.take()
                if name.kind is Kind.STAR:
                    expr = Wildcard(expr, expr.offset)
                elif name.kind is Kind.PROPERTY:
                    expr = Index(expr, Literal(name.text, name.offset), expr.offset)
                else:
                    raise _unexpected(name, "a property name or '*'")
                depth += 1
                continue
            if self.peek().kind is Kind.STAR and self.peek(1).kind is Kind.RBRACKET:
                self.pos += 2
                expr, depth = Wildcard(expr, expr.offset), depth + 1
                continue
            key, key_depth = self.expression(level + 1)
            close = self.take()
            if close.kind is not Kind.RBRACKET:
                raise _unexpected(close, "']'")
            expr, depth = Index(expr, key, expr.offset), max(depth, key_depth) + 1
        return expr, depth


def _check_depth(level: int, token: Token) -> None:
    if level > MAX_DEPTH:
        raise ExpressionError(
            f"expression is nested too deeply at offset {token.offset}: "
            f"the limit is {MAX_DEPTH} levels",
            token.offset,
            expected=f"at most {MAX_DEPTH} levels of nesting",
        )


def _unexpected(token: Token, expected: str) -> ExpressionError:
    if token.kind is Kind.END:
        return ExpressionError(
            f"unexpected end of expression: expected {expected}", token.offset, expected=expected
        )
    return ExpressionError(
        f"unexpected {token.describe()} at offset {token.offset}: expected {expected}",
        token.offset,
        expected=expected,
    )
