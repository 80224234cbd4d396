"""YAML with a location on every value, and hostile input refused fast.

We build the tree ourselves from PyYAML's *event stream* (libyaml's C parser when it is
installed, PyYAML's pure-Python one otherwise) into ``YMap``/``YList``/``YStr`` (subclasses
of dict/list/str carrying a ``Loc``), so that every later stage (templates, schema checks,
the model) can point at file:line:column even after template expansion moved values around.
Non-string scalars (numbers, booleans, null) cannot carry an attribute, so a mapping also
remembers where each of its values was written (``YMap.value_loc``).

Building from events rather than from ``yaml.compose`` is what makes the bounds cheap and
safe; each is checked while the parser runs, before anything big exists:

- the file size (``MAX_BYTES``);
- nesting depth (``MAX_DEPTH``): our builder keeps an explicit stack, so a file of 10,000
  nested lists is refused at level 65 instead of overflowing a recursive composer;
- the number of aliases (``MAX_ALIASES``) and the number of values the document would have
  with every alias expanded (``MAX_VALUES``). An alias shares the anchored value, and its
  expanded size is added to the count: a "billion laughs" bomb is refused after reading a
  few hundred bytes, because every later stage walks the tree as if the aliases were copies.

Scalars are resolved the way Azure Pipelines users expect (YAML 1.2 core): ``true``/
``false`` in any case, integers, floats and ``null``/``~`` in plain style; anything quoted
or tagged ``!!str`` is a string. YAML 1.1's ``yes``/``no``/``on``/``off`` stay strings.
As in Azure, a plain ``1.10`` is the number 1.1: quote versions.
A file holds one YAML document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from shipyard.domain.diagnostics import Diagnostics, Loc

MAX_BYTES = 1 << 20  # 1 MiB per pipeline or template file
MAX_DEPTH = 64
MAX_VALUES = 200_000  # values (not keys) with every alias expanded
MAX_ALIASES = 10_000

# libyaml is ~10x faster; its messages differ slightly from the pure-Python parser's.
_LOADER: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

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
    """A mapping that remembers its own location and the location of each key and value."""

    loc: Loc
    key_locs: dict[str, Loc]
    value_locs: dict[str, Loc]

    def __init__(self, loc: Loc, items: dict[str, Any] | None = None) -> None:
        super().__init__(items or {})
        self.loc = loc
        self.key_locs = {}
        self.value_locs = {}

    def key_loc(self, key: str) -> Loc:
        return self.key_locs.get(key, self.loc)

    def value_loc(self, key: str) -> Loc:
        """Where the value of ``key`` was written (also for numbers, booleans and null)."""
        value = self.get(key)
        loc = getattr(value, "loc", None)
        if isinstance(loc, Loc):
            return loc
        return self.value_locs.get(key) or self.key_loc(key)

    def put(self, key: str, value: Any, key_loc: Loc, value_loc: Loc | None = None) -> None:
        """Set ``key`` with its locations (the value's own location wins when it has one)."""
        self[key] = value
        self.key_locs[str(key)] = key_loc
        self.value_locs[str(key)] = loc_of(value, value_loc or key_loc)

    def put_from(self, other: YMap, key: str, value: Any) -> None:
        """Set ``key`` to ``value``, keeping the locations ``other`` has for it."""
        self.put(key, value, other.key_loc(key), other.value_locs.get(key))


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


class _Refused(Exception):
    """A bound was hit; the diagnostic has been added already."""


_SKIP = YStr("", Loc(""))  # a key that was reported; its value is dropped


@dataclass(slots=True)
class _Frame:
    value: YMap | YList
    anchor: str | None
    size: int = 1
    key: YStr | None = None  # in a mapping: the key waiting for its value


@dataclass(slots=True)
class _Anchored:
    value: Any
    size: int
    text: str | None  # the raw text of a scalar (so it can serve as a key)


class _Builder:
    """Turns parser events into located values, enforcing the bounds as it goes."""

    def __init__(self, name: str, diags: Diagnostics) -> None:
        self.name = name
        self.diags = diags
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchored] = {}
        self.root: Any = None
        self.values = 0
        self.aliases = 0
        self.documents = 0

    def loc(self, event: yaml.Event) -> Loc:
        mark = event.start_mark
        return Loc(self.name, mark.line + 1, mark.column + 1) if mark else Loc(self.name)

    def refuse(self, loc: Loc, message: str, code: str, hint: str = "") -> _Refused:
        self.diags.add(loc, message, code=code, hint=hint)
        return _Refused()

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            loc = self.loc(event)
            value = _scalar(event, loc)
            if event.anchor:
                self.anchors[event.anchor] = _Anchored(value, 1, event.value)
            self.emit(value, loc, 1, event.value)
        elif isinstance(event, yaml.CollectionStartEvent):
            self.start(event)
        elif isinstance(event, yaml.CollectionEndEvent):
            frame = self.stack.pop()
            if frame.anchor:
                self.anchors[frame.anchor] = _Anchored(frame.value, frame.size, None)
            self.emit(frame.value, frame.value.loc, frame.size, None)
        elif isinstance(event, yaml.AliasEvent):
            self.alias(event)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.refuse(
                    self.loc(event),
                    "a pipeline file holds one YAML document; found a second one",
                    "yaml-syntax",
                    hint="remove the '---' line, or split the documents into files",
                )

    def start(self, event: yaml.CollectionStartEvent) -> None:
        loc = self.loc(event)
        if len(self.stack) >= MAX_DEPTH:
            raise self.refuse(
                loc,
                f"nesting deeper than {MAX_DEPTH} levels",
                "too-deep",
                hint="pipelines never need this depth; is the file generated?",
            )
        value: YMap | YList = YMap(loc) if isinstance(event, yaml.MappingStartEvent) else YList(loc)
        self.stack.append(_Frame(value, event.anchor))

    def alias(self, event: yaml.AliasEvent) -> None:
        loc = self.loc(event)
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise self.refuse(loc, f"more than {MAX_ALIASES} aliases", "too-large")
        anchor = str(event.anchor)
        found = self.anchors.get(anchor)
        if found is None:
            if any(frame.anchor == anchor for frame in self.stack):
                raise self.refuse(loc, f"alias '*{anchor}' refers to itself", "yaml-syntax")
            raise self.refuse(
                loc, f"alias '*{anchor}' has no anchor '&{anchor}' before it", "yaml-syntax"
            )
        self.emit(found.value, loc, found.size, found.text)

    def emit(self, value: Any, loc: Loc, size: int, text: str | None) -> None:
        """A complete value: the root, an item of a list, or a key or value of a mapping."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        target = top.value
        if isinstance(target, YMap) and top.key is None:
            top.key = self.key(target, text, loc)
            return
        self.values += size
        if self.values > MAX_VALUES:
            raise self.refuse(
                Loc(self.name, 1, 1),
                f"the document holds more than {MAX_VALUES} values once its aliases are "
                "expanded (an anchor/alias bomb?)",
                "too-large",
            )
        top.size += size
        if isinstance(target, YList):
            target.append(value)
            return
        key, top.key = top.key, None
        if key is not _SKIP and key is not None:
            target.put(key, value, key.loc, loc)

    def key(self, target: YMap, text: str | None, loc: Loc) -> YStr:
        if text is None:
            self.diags.add(loc, "a mapping key must be a plain string", code="bad-key")
            return _SKIP
        if text in target:
            first = target.key_loc(text)
            self.diags.add(
                loc, f"duplicate key '{text}' (first at line {first.line})", code="duplicate-key"
            )
            return _SKIP
        return YStr(text, loc)


def _scalar(event: yaml.ScalarEvent, loc: Loc) -> Any:
    value = event.value
    if event.implicit[0]:  # plain and untagged: resolve like YAML 1.2's core schema
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


def _syntax_error(exc: yaml.YAMLError, text: str, name: str, diags: Diagnostics) -> None:
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts bytes, PyYAML characters: find the character ourselves.
        found = yaml.reader.Reader.NON_PRINTABLE.search(text)
        before = text[: found.start()] if found else ""
        char = ord(found.group()) if found else int(exc.character)
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        diags.add(
            Loc(name, line, col),
            f"not a YAML text file: character #x{char:04x} is not allowed",
            code="yaml-syntax",
        )
        return
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        loc = Loc(name, mark.line + 1, mark.column + 1) if mark else Loc(name)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        if "nesting depth" in problem:  # libyaml's own flow-level limit, hit first on '[[[['
            diags.add(loc, f"nesting deeper than {MAX_DEPTH} levels", code="too-deep")
            return
        diags.add(loc, f"YAML syntax: {problem}{context}", code="yaml-syntax")
        return
    diags.add(Loc(name), f"YAML: {exc}", code="yaml-syntax")  # pragma: no cover


def load_text(text: str, name: str, diags: Diagnostics) -> SourceFile | None:
    """Load YAML text; on any problem add diagnostics and return None."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        diags.add(Loc(name), f"file is larger than {MAX_BYTES} bytes", code="too-large")
        return None
    builder = _Builder(name, diags)
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            builder.feed(event)
    except _Refused:
        return None
    except yaml.YAMLError as exc:
        _syntax_error(exc, text, name, diags)
        return None
    return SourceFile(name, tuple(text.splitlines()), builder.root)


def load_bytes(data: bytes, name: str, diags: Diagnostics) -> SourceFile | None:
    """Load YAML from bytes, refusing oversize or non-UTF-8 input with a diagnostic."""
    if len(data) > MAX_BYTES:
        diags.add(Loc(name), f"file is larger than {MAX_BYTES} bytes", code="too-large")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        diags.add(Loc(name), f"not UTF-8 text: {exc.reason} at byte {exc.start}", code="io")
        return None
    return load_text(text.removeprefix("\ufeff"), name, diags)


def relocate(value: Any, loc: Loc) -> Any:
    """Give a computed value (an expression's result) the location that produced it."""
    if isinstance(value, YStr | YMap | YList):
        return value
    if isinstance(value, str):
        return YStr(value, loc)
    if isinstance(value, list):
        return YList(loc, [relocate(v, loc) for v in value])
    if isinstance(value, dict):
        out = YMap(loc)
        for k, v in value.items():
            out.put(str(k), relocate(v, loc), loc)
        return out
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
