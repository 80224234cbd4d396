"""YAML with a location on every value, and hostile input refused fast.

PyYAML's ``compose`` gives a node graph with marks; we convert it ourselves into
``YMap``/``YList``/``YStr`` (subclasses of dict/list/str carrying a ``Loc``) so that every
later stage (templates, schema validation, the model) can point at file:line:column even
after values have been moved around by template expansion.

Bounds, checked before any expensive work:
- the file size (``MAX_BYTES``);
- nesting depth, counted on the *event stream* (iterative), because the composer is
  recursive and would hit Python's recursion limit on a deep file;
- the number of values produced while converting the graph: an alias re-walks its anchor,
  so an anchor/alias "billion laughs" bomb exhausts the budget instead of memory.

Scalars are resolved the way Azure Pipelines users expect (YAML 1.2 core): ``true``/
``false`` in any case, integers, floats and ``null``/``~`` in plain style; anything quoted
is a string. YAML 1.1's ``yes``/``no``/``on``/``off`` stay strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from shipyard.domain.diagnostics import Diagnostics, Loc

MAX_BYTES = 1 << 20  # 1 MiB per pipeline or template file
MAX_DEPTH = 64
MAX_VALUES = 200_000

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULL = {"null", "Null", "NULL", "~", ""}


class YStr(str):
    """A string that remembers where it was written."""

    loc: Loc

    def __new__(cls, value: str, loc: Loc) -> YStr:
        obj = super().__new__(cls, value)
        obj.loc = loc
        return obj


class YMap(dict[str, Any]):
    """A mapping that remembers its own location and the location of each key."""

    loc: Loc
    key_locs: dict[str, Loc]

    def __init__(self, loc: Loc, items: dict[str, Any] | None = None) -> None:
        super().__init__(items or {})
        self.loc = loc
        self.key_locs = {}

    def key_loc(self, key: str) -> Loc:
        return self.key_locs.get(key, self.loc)


class YList(list[Any]):
    """A sequence that remembers where it was written."""

    loc: Loc

    def __init__(self, loc: Loc, items: list[Any] | None = None) -> None:
        super().__init__(items or [])
        self.loc = loc


def loc_of(value: object, default: Loc) -> Loc:
    """The location of a loaded value, or ``default`` for plain scalars (ints, bools)."""
    loc = getattr(value, "loc", None)
    return loc if isinstance(loc, Loc) else default


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A loaded file: its display name, its lines (for snippets) and its root value."""

    name: str
    lines: tuple[str, ...]
    root: Any

    def snippet(self, loc: Loc) -> str:
        if 1 <= loc.line <= len(self.lines):
            return self.lines[loc.line - 1].rstrip()
        return ""


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _check_events(text: str, name: str, diags: Diagnostics) -> bool:
    """Walk the event stream iteratively to refuse deep nesting and too many aliases."""
    depth = 0
    aliases = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    m = event.start_mark
                    diags.add(
                        Loc(name, m.line + 1, m.column + 1) if m else Loc(name),
                        f"nesting deeper than {MAX_DEPTH} levels",
                        code="too-deep",
                        hint="pipelines never need this depth; is the file generated?",
                    )
                    return False
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
    except yaml.MarkedYAMLError as exc:
        _syntax_error(exc, name, diags)
        return False
    return True


def _syntax_error(exc: yaml.MarkedYAMLError, name: str, diags: Diagnostics) -> None:
    mark = exc.problem_mark or exc.context_mark
    loc = Loc(name, mark.line + 1, mark.column + 1) if mark else Loc(name)
    problem = exc.problem or "invalid YAML"
    context = f" ({exc.context})" if exc.context else ""
    diags.add(loc, f"YAML syntax: {problem}{context}", code="yaml-syntax")


def _scalar(node: yaml.ScalarNode, loc: Loc) -> Any:
    value = node.value
    if node.style is None and node.tag != "tag:yaml.org,2002:str":
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        if value in _NULL:
            return None
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
            return float(value)
    return YStr(value, loc)


def _convert(node: yaml.Node, name: str, diags: Diagnostics, budget: _Budget) -> Any:
    if not budget.spend():
        raise _TooBig
    loc = Loc(name, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, loc)
    if isinstance(node, yaml.SequenceNode):
        return YList(loc, [_convert(item, name, diags, budget) for item in node.value])
    assert isinstance(node, yaml.MappingNode)
    out = YMap(loc)
    for key_node, value_node in node.value:
        kloc = Loc(name, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        if not isinstance(key_node, yaml.ScalarNode):
            diags.add(kloc, "a mapping key must be a plain string", code="bad-key")
            continue
        key = key_node.value
        if key in out:
            diags.add(
                kloc,
                f"duplicate key '{key}' (first at line {out.key_locs[key].line})",
                code="duplicate-key",
            )
            continue
        out[YStr(key, kloc)] = _convert(value_node, name, diags, budget)
        out.key_locs[key] = kloc
    return out


class _TooBig(Exception):
    pass


def load_text(text: str, name: str, diags: Diagnostics) -> SourceFile | None:
    """Load YAML text; on any problem add diagnostics and return None."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        diags.add(Loc(name), f"file is larger than {MAX_BYTES} bytes", code="too-large")
        return None
    if not _check_events(text, name, diags):
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        _syntax_error(exc, name, diags)
        return None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors
        diags.add(Loc(name), f"YAML: {exc}", code="yaml-syntax")
        return None
    lines = tuple(text.splitlines())
    if node is None:
        return SourceFile(name, lines, None)
    try:
        root = _convert(node, name, diags, _Budget(MAX_VALUES))
    except _TooBig:
        diags.add(
            Loc(name, 1, 1),
            f"the document expands to more than {MAX_VALUES} values (anchor/alias bomb?)",
            code="too-large",
        )
        return None
    return SourceFile(name, lines, root)


def load_bytes(data: bytes, name: str, diags: Diagnostics) -> SourceFile | None:
    """Load YAML from bytes, refusing oversize or non-UTF-8 input with a diagnostic."""
    if len(data) > MAX_BYTES:
        diags.add(Loc(name), f"file is over the {MAX_BYTES}-byte limit", code="too-large")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        diags.add(Loc(name), f"not UTF-8 text: {exc.reason} at byte {exc.start}", code="io")
        return None
    return load_text(text, name, diags)
