"""Template expansion: ``${{ }}`` expressions, conditional and loop keys, ``template:`` includes.

Azure Pipelines expands templates at compile time, before anything runs, and so do we:
the result is plain YAML (still carrying locations) that the schema validator and the model
builder see. The rules we follow, from Azure's "Template expressions" and "Templates" docs:

- a scalar that is exactly one ``${{ expr }}`` becomes the expression's value (which may be
  a list or a mapping, e.g. a ``stepList`` parameter); a scalar with expressions inside text
  gets their string forms interpolated;
- a mapping key ``${{ if c }}``/``${{ elseif c }}``/``${{ else }}`` merges its mapping value
  into the parent mapping, or, as a sequence item, splices its value into the sequence;
  ``${{ each x in coll }}`` repeats its value once per element with ``x`` bound;
  ``${{ insert }}`` merges a mapping;
- ``- template: file.yml`` in ``stages``, ``jobs``, ``steps`` and ``variables`` is replaced
  by that section of the file, expanded with its own declared ``parameters``; paths are
  relative to the including file, or to the repository root with a leading ``/``.

Bounds (Azure's own limits): 100 template files per pipeline, 20 levels of nesting; a cycle
is reported as such. A template path may not leave the repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from shipyard.config import expressions as ex
from shipyard.config.params import bind_parameters
from shipyard.config.source import Source
from shipyard.config.yamlsrc import SourceFile, YList, YMap, YStr, load_bytes, loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc

MAX_TEMPLATE_FILES = 100
MAX_TEMPLATE_DEPTH = 20

_DIRECTIVE = re.compile(r"^\$\{\{\s*(if|elseif|else|each|insert)\b(.*?)\}\}$", re.DOTALL)
_EACH = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.+)$", re.DOTALL)
_SECTIONS = ("stages", "jobs", "steps", "variables")


@dataclass(slots=True)
class Scope:
    """What a template expression can see while one file is being expanded."""

    file: str  # repo-relative path of the file being expanded
    parameters: dict[str, Any]
    variables: dict[str, Any]
    names: dict[str, Any] = field(default_factory=dict)  # ``each`` loop bindings
    depth: int = 0
    stack: tuple[str, ...] = ()


class TemplateExpander:
    """Expands one pipeline; collects every problem into ``diags``."""

    def __init__(self, source: Source, diags: Diagnostics) -> None:
        self.source = source
        self.diags = diags
        self.files_loaded = 0
        self._cache: dict[str, SourceFile | None] = {}

    # -- expressions -------------------------------------------------------------------
    def _ctx(self, scope: Scope) -> ex.EvalContext:
        return ex.EvalContext(
            variables=scope.variables,
            parameters=scope.parameters,
            named_values=scope.names,
            mode="template",
        )

    def evaluate(self, text: str, loc: Loc, scope: Scope) -> Any:
        try:
            return ex.evaluate_text(text.strip(), self._ctx(scope))
        except ex.ExpressionError as err:
            self.diags.add(
                Loc(loc.file, loc.line, loc.col),
                f"template expression '{text.strip()}': {err.message}",
                code="bad-expression",
            )
            return None

    def expand_scalar(self, value: YStr, scope: Scope) -> Any:
        if "${{" not in value:
            return value
        try:
            spans = [s for s in ex.find_template_expressions(value) if s.kind == "template"]
        except ex.ExpressionError as err:
            self.diags.add(
                value.loc,
                f"template expression: {err.message}",
                code="bad-expression",
                snippet=str(value),
            )
            return value
        stripped = value.strip()
        if len(spans) == 1 and value[spans[0].start : spans[0].end] == stripped:
            result = self.evaluate(spans[0].expression, value.loc, scope)
            return _relocate(result, value.loc)
        parts: list[str] = []
        last = 0
        for span in spans:
            parts.append(value[last : span.start])
            parts.append(ex.to_string(self.evaluate(span.expression, value.loc, scope)))
            last = span.end
        parts.append(value[last:])
        return YStr("".join(parts), value.loc)

    # -- structure ----------------------------------------------------------------------
    def expand(self, node: Any, scope: Scope, section: str = "") -> Any:
        if isinstance(node, YMap):
            return self._expand_map(node, scope)
        if isinstance(node, YList):
            return self._expand_list(node, scope, section)
        if isinstance(node, YStr):
            return self.expand_scalar(node, scope)
        return node

    def _expand_map(self, node: YMap, scope: Scope) -> YMap:
        out = YMap(node.loc)
        chain_open = False  # an if/elseif chain that has not yet matched
        chain_seen = False  # we are inside an if/elseif/else chain
        for key, value in node.items():
            kloc = node.key_loc(key)
            directive = _DIRECTIVE.match(key.strip()) if "${{" in key else None
            if directive:
                kind, arg = directive.group(1), directive.group(2)
                chain_open, chain_seen, parts = self._directive(
                    kind, arg, value, kloc, scope, chain_open, chain_seen, ""
                )
                for part in parts:
                    if isinstance(part, YMap):
                        for k2, v2 in part.items():
                            out[k2] = v2
                            out.key_locs[k2] = part.key_loc(k2)
                    elif part is not None:
                        self.diags.add(
                            kloc,
                            f"'{key.strip()}' inside a mapping must hold a mapping",
                            code="bad-template",
                        )
                continue
            chain_open = chain_seen = False
            new_key = self.expand_scalar(YStr(key, kloc), scope) if "${{" in key else key
            new_key = (
                YStr(ex.to_string(new_key), kloc) if not isinstance(new_key, YStr) else new_key
            )
            section = key if key in _SECTIONS else ""
            out[new_key] = self.expand(value, scope, section)
            out.key_locs[str(new_key)] = kloc
        return out

    def _expand_list(self, node: YList, scope: Scope, section: str) -> YList:
        out = YList(node.loc)
        chain_open = chain_seen = False
        for item in node:
            if isinstance(item, YMap) and len(item) == 1:
                key = next(iter(item))
                directive = _DIRECTIVE.match(key.strip()) if "${{" in key else None
                if directive:
                    kind, arg = directive.group(1), directive.group(2)
                    chain_open, chain_seen, parts = self._directive(
                        kind,
                        arg,
                        item[key],
                        item.key_loc(key),
                        scope,
                        chain_open,
                        chain_seen,
                        section,
                    )
                    for part in parts:
                        if isinstance(part, YList):
                            out.extend(part)
                        elif part is not None:
                            out.append(part)
                    continue
            chain_open = chain_seen = False
            if section and isinstance(item, YMap) and "template" in item:
                out.extend(self._include(item, scope, section))
                continue
            out.append(self.expand(item, scope, section))
        return out

    def _directive(
        self,
        kind: str,
        arg: str,
        value: Any,
        loc: Loc,
        scope: Scope,
        chain_open: bool,
        chain_seen: bool,
        section: str,
    ) -> tuple[bool, bool, list[Any]]:
        """Apply one directive; returns the new chain state and the parts to splice in."""
        if kind in ("elseif", "else") and not chain_seen:
            self.diags.add(
                loc, f"'${{{{ {kind} }}}}' without a preceding '${{{{ if }}}}'", code="bad-template"
            )
            return False, False, []
        if kind == "if" or kind == "elseif":
            if kind == "elseif" and not chain_open:
                return False, True, []
            cond = self.evaluate(arg, loc, scope)
            truth = ex.truthy(cond)
            if truth is True:
                return False, True, [self.expand(value, scope, section)]
            return True, True, []
        if kind == "else":
            if arg.strip():
                self.diags.add(
                    loc,
                    "'${{ else }}' takes no condition; use '${{ elseif c }}'",
                    code="bad-template",
                )
            return False, False, [self.expand(value, scope, section)] if chain_open else []
        if kind == "insert":
            return False, False, [self.expand(value, scope, section)]
        # each
        m = _EACH.match(arg)
        if not m:
            self.diags.add(loc, "expected '${{ each NAME in COLLECTION }}'", code="bad-template")
            return False, False, []
        name, coll_text = m.group(1), m.group(2)
        coll = self.evaluate(coll_text, loc, scope)
        items: list[Any]
        if isinstance(coll, dict):
            items = [{"key": k, "value": v} for k, v in coll.items()]
        elif isinstance(coll, list):
            items = list(coll)
        elif coll is None:
            items = []
        else:
            self.diags.add(
                loc,
                f"'each' needs a list or a mapping, got {ex.type_name(coll)}",
                code="bad-template",
            )
            return False, False, []
        parts = []
        for element in items:
            inner = replace(scope, names={**scope.names, name: element})
            parts.append(self.expand(value, inner, section))
        return False, False, parts

    # -- includes -----------------------------------------------------------------------
    def resolve_path(self, ref: YStr, including: str) -> str | None:
        raw = str(ref).strip()
        if "@" in raw:
            raw, _, repo = raw.rpartition("@")
            if repo.lower() != "self":
                self.diags.add(
                    ref.loc,
                    f"template from repository '{repo}': only '@self' templates are supported",
                    code="bad-template",
                )
                return None
        base = PurePosixPath(including).parent
        joined = PurePosixPath(raw.lstrip("/")) if raw.startswith("/") else base / raw
        parts: list[str] = []
        for part in joined.parts:
            if part == "..":
                if not parts:
                    self.diags.add(
                        ref.loc, f"template path '{raw}' leaves the repository", code="bad-template"
                    )
                    return None
                parts.pop()
            elif part not in (".", ""):
                parts.append(part)
        return "/".join(parts)

    def load(self, rel: str, loc: Loc) -> SourceFile | None:
        if rel in self._cache:
            return self._cache[rel]
        self.files_loaded += 1
        if self.files_loaded > MAX_TEMPLATE_FILES:
            self.diags.add(loc, f"more than {MAX_TEMPLATE_FILES} template files", code="too-large")
            self._cache[rel] = None
            return None
        data = self.source.read(rel)
        if data is None:
            self.diags.add(loc, f"template file '{rel}' not found", code="template-not-found")
            self._cache[rel] = None
            return None
        src = load_bytes(data, rel, self.diags)
        self._cache[rel] = src
        return src

    def _include(self, item: YMap, scope: Scope, section: str) -> list[Any]:
        ref = item["template"]
        kloc = item.key_loc("template")
        ref = self.expand(ref, scope)
        if not isinstance(ref, YStr):
            self.diags.add(kloc, "'template' must be a file path", code="bad-template")
            return []
        extra = set(item) - {"template", "parameters"}
        for key in sorted(extra):
            self.diags.add(
                item.key_loc(key),
                f"unexpected key '{key}' beside 'template' (only 'parameters' is allowed)",
                code="unknown-key",
            )
        args = self.expand(item.get("parameters"), scope)
        body = self.instantiate(ref, args, item.key_loc("parameters"), scope, section)
        if body is None:
            return []
        result = body.get(section)
        if result is None:
            self.diags.add(
                ref.loc, f"template '{ref}' has no '{section}' section", code="bad-template"
            )
            return []
        if not isinstance(result, YList):
            self.diags.add(
                loc_of(result, ref.loc), f"'{section}' in '{ref}' must be a list", code="bad-type"
            )
            return []
        return list(result)

    def instantiate(
        self, ref: YStr, args: Any, args_loc: Loc, scope: Scope, section: str
    ) -> YMap | None:
        """Load a template file and expand it with ``args`` bound to its parameters."""
        rel = self.resolve_path(ref, scope.file)
        if rel is None:
            return None
        if rel in scope.stack:
            chain = " -> ".join([*scope.stack, rel])
            self.diags.add(ref.loc, f"template cycle: {chain}", code="template-cycle")
            return None
        if scope.depth + 1 > MAX_TEMPLATE_DEPTH:
            self.diags.add(
                ref.loc,
                f"templates nested deeper than {MAX_TEMPLATE_DEPTH} levels",
                code="too-deep",
            )
            return None
        src = self.load(rel, ref.loc)
        if src is None:
            return None
        root = src.root
        if not isinstance(root, YMap):
            self.diags.add(Loc(rel, 1, 1), "a template file must be a mapping", code="bad-type")
            return None
        if args is not None and not isinstance(args, YMap):
            self.diags.add(
                args_loc, "'parameters' must be a mapping of name: value", code="bad-type"
            )
            args = None
        inner = Scope(
            file=rel,
            parameters={},
            variables=scope.variables,
            depth=scope.depth + 1,
            stack=(*scope.stack, rel) if scope.stack else (scope.file, rel),
        )
        declared = root.get("parameters")
        inner.parameters = bind_parameters(
            declared,
            root.key_loc("parameters"),
            args,
            ref,
            self.diags,
            lambda node: self.expand(node, inner),
        )
        body = YMap(root.loc)
        for key, value in root.items():
            if key == "parameters":
                continue
            body[key] = self.expand(value, inner, key if key in _SECTIONS else "")
            body.key_locs[key] = root.key_loc(key)
        return body


def _relocate(value: Any, loc: Loc) -> Any:
    """Give a computed value the location of the expression that produced it."""
    if isinstance(value, YStr | YMap | YList):
        return value
    if isinstance(value, str):
        return YStr(value, loc)
    if isinstance(value, list):
        return YList(loc, [_relocate(v, loc) for v in value])
    if isinstance(value, dict):
        out = YMap(loc)
        for k, v in value.items():
            out[str(k)] = _relocate(v, loc)
            out.key_locs[str(k)] = loc
        return out
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
