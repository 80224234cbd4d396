"""Template expansion: ``${{ }}`` expressions, conditional and loop keys, ``template:`` includes.

Azure Pipelines expands templates at compile time, before anything runs, and so do we:
the result is plain YAML (still carrying locations) that the schema validator and the model
builder see. The rules we follow, from Azure's "Template expressions" and "Templates" docs:

- scalars have their ``${{ expr }}`` evaluated (:mod:`shipyard.config.compile_time`); a
  sequence item that is exactly one expression whose value is a list is spliced into the
  sequence (``- ${{ parameters.preSteps }}``);
- a mapping key ``${{ if c }}``/``${{ elseif c }}``/``${{ else }}`` merges its mapping value
  into the parent mapping, or, as a sequence item, splices its value into the sequence;
  ``${{ each x in coll }}`` repeats its value once per element with ``x`` bound;
  ``${{ insert }}`` merges a mapping;
- ``- template: file.yml`` in ``stages``, ``jobs``, ``steps`` and ``variables`` is replaced
  by that section of the file, expanded with its own declared ``parameters``; paths are
  relative to the including file, or to the repository root with a leading ``/``.

Bounds: Azure's own limits of 100 template files per pipeline and 20 levels of nesting; a
cycle is reported as such; a template path may not leave the repository. Expansion itself
is bounded too (``MAX_EACH`` items per ``each``, ``MAX_PRODUCED`` values produced inside
templates and loops), because ``each`` over ``split()`` of a long string, nested loops, or
templates that include templates many times multiply without any file growing: past the
bound the expander reports it once and stops producing. (A file's own values are bounded
when it is read.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from shipyard.config import expressions as ex
from shipyard.config.compile_time import FAILED, Scope, TemplateExpressions
from shipyard.config.params import bind_parameters
from shipyard.config.source import Source, TemplateFiles
from shipyard.config.yamlsrc import YList, YMap, YStr, loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean

MAX_TEMPLATE_FILES = 100
MAX_TEMPLATE_DEPTH = 20
MAX_EACH = 100_000
MAX_PRODUCED = 100_000  # values produced inside templates and 'each' bodies

_DIRECTIVE = re.compile(r"^\$\{\{\s*(if|elseif|else|each|insert)\b(.*?)\}\}$", re.DOTALL)
_EACH = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.+)$", re.DOTALL)
_SECTIONS = ("stages", "jobs", "steps", "variables")

__all__ = ["MAX_EACH", "MAX_PRODUCED", "Scope", "TemplateExpander"]


@dataclass(slots=True)
class _Chain:
    """Where an ``if``/``elseif``/``else`` chain stands in the mapping or list being expanded."""

    seen: bool = False  # the previous key or item was part of a chain
    open: bool = False  # ... and none of its branches has been taken yet

    def close(self) -> None:
        self.seen = self.open = False


def _directive_of(key: str) -> tuple[str, str] | None:
    """``(kind, argument)`` when ``key`` is ``${{ if|elseif|else|each|insert ... }}``."""
    match = _DIRECTIVE.match(key.strip()) if "${{" in key else None
    return (match.group(1), match.group(2)) if match else None


class TemplateExpander:
    """Expands one pipeline; collects every problem into ``diags``."""

    def __init__(self, source: Source, diags: Diagnostics) -> None:
        self.source = source
        self.diags = diags
        self.produced = 0
        self.exhausted = False  # MAX_PRODUCED was hit: stop producing
        self.files = TemplateFiles(source, diags, MAX_TEMPLATE_FILES)
        self.exprs = TemplateExpressions(diags)

    def evaluate(self, text: str, loc: Loc, scope: Scope) -> Any:
        return self.exprs.evaluate(text, loc, scope)

    def expand_scalar(self, value: YStr, scope: Scope) -> Any:
        return self.exprs.expand_scalar(value, scope)

    # -- structure ----------------------------------------------------------------------
    def expand(self, node: Any, scope: Scope, section: str = "") -> Any:
        if self.exhausted:
            return None
        if scope.depth or scope.names:  # generated: inside a template or an ``each``
            self.produced += 1
        if self.produced > MAX_PRODUCED:
            self.exhausted = True
            self.diags.add(
                loc_of(node, Loc(scope.file)),
                f"templates and 'each' loops produced more than {MAX_PRODUCED} values; "
                "expansion stopped here",
                code="too-large",
                hint="look for 'each' loops over large or nested collections",
            )
            return None
        if isinstance(node, YMap):
            return self._expand_map(node, scope)
        if isinstance(node, YList):
            return self._expand_list(node, scope, section)
        if isinstance(node, YStr):
            return self.expand_scalar(node, scope)
        return node

    def _expand_map(self, node: YMap, scope: Scope) -> YMap:
        out = YMap(node.loc)
        chain = _Chain()
        for key, value in node.items():
            kloc = node.key_loc(key)
            directive = _directive_of(key)
            if directive:
                for part in self._directive(*directive, value, kloc, scope, chain, ""):
                    if isinstance(part, YMap):
                        for k2, v2 in part.items():
                            out.put_from(part, k2, v2)
                    elif part is not None:
                        self.diags.add(
                            kloc,
                            f"'{key.strip()}' inside a mapping must hold a mapping",
                            code="bad-template",
                        )
                continue
            chain.close()
            new_key: Any = key
            if "${{" in key:
                reported = len(self.diags)
                new_key = self.expand_scalar(YStr(key, kloc), scope)
                if not isinstance(new_key, str):
                    new_key = self.exprs.text_of(new_key, key, kloc)
                if len(self.diags) > reported:
                    continue  # the key could not be computed; its value means nothing
            section = key if key in _SECTIONS else ""
            expanded = self.expand(value, scope, section)
            out.put(str(new_key), expanded, kloc, node.value_locs.get(key))
        return out

    def _expand_list(self, node: YList, scope: Scope, section: str) -> YList:
        out = YList(node.loc)
        chain = _Chain()
        for item in node:
            single = isinstance(item, YMap) and len(item) == 1
            directive = _directive_of(next(iter(item))) if single else None
            if directive:
                key = next(iter(item))
                loc = item.key_loc(key)
                for part in self._directive(*directive, item[key], loc, scope, chain, section):
                    if isinstance(part, YList):
                        out.extend(part)
                    elif part is not None:
                        out.append(part)
                continue
            chain.close()
            if section and isinstance(item, YMap) and "template" in item:
                out.extend(self._include(item, scope, section))
                continue
            expanded = self.expand(item, scope, section)
            if isinstance(item, YStr) and isinstance(expanded, list):
                out.extend(expanded)  # ``- ${{ parameters.steps }}`` inserts a stepList
            else:
                out.append(expanded)
        return out

    def _directive(
        self, kind: str, arg: str, value: Any, loc: Loc, scope: Scope, chain: _Chain, section: str
    ) -> list[Any]:
        """Apply one directive, moving ``chain`` along; returns the parts to splice in."""
        if kind in ("elseif", "else") and not chain.seen:
            self.diags.add(
                loc, f"'${{{{ {kind} }}}}' without a preceding '${{{{ if }}}}'", code="bad-template"
            )
            return []
        if kind in ("if", "elseif"):
            if kind == "elseif" and not chain.open:
                return []  # an earlier branch was taken
            chain.seen, chain.open = True, False
            cond = self.evaluate(arg, loc, scope)
            if cond is FAILED:
                return []  # reported; taking no branch avoids follow-on errors
            if ex.truthy(cond) is True:
                return [self.expand(value, scope, section)]
            chain.open = True
            return []
        taken = chain.open
        chain.close()
        if kind == "else":
            if arg.strip():
                self.diags.add(
                    loc,
                    "'${{ else }}' takes no condition; use '${{ elseif c }}'",
                    code="bad-template",
                )
            return [self.expand(value, scope, section)] if taken else []
        if kind == "insert":
            return [self.expand(value, scope, section)]
        return self._each(arg, value, loc, scope, section)

    def _each(self, arg: str, value: Any, loc: Loc, scope: Scope, section: str) -> list[Any]:
        m = _EACH.match(arg)
        if not m:
            self.diags.add(loc, "expected '${{ each NAME in COLLECTION }}'", code="bad-template")
            return []
        name, coll_text = m.group(1), m.group(2)
        coll = self.evaluate(coll_text, loc, scope)
        items: list[Any]
        if coll is FAILED or coll is None:
            return []
        if isinstance(coll, dict):
            items = [{"key": k, "value": v} for k, v in coll.items()]
        elif isinstance(coll, list):
            items = list(coll)
        else:
            self.diags.add(
                loc,
                f"'each' needs a list or a mapping, got {ex.type_name(coll)}",
                code="bad-template",
            )
            return []
        if len(items) > MAX_EACH:
            self.diags.add(
                loc,
                f"'each' over {len(items)} items; the limit is {MAX_EACH}",
                code="too-large",
            )
            return []
        parts = []
        for element in items:
            if self.exhausted:
                break
            inner = replace(scope, names={**scope.names, name: element})
            parts.append(self.expand(value, inner, section))
        return parts

    # -- includes -----------------------------------------------------------------------
    def _include(self, item: YMap, scope: Scope, section: str) -> list[Any]:
        kloc = item.key_loc("template")
        ref = self.expand(item["template"], scope)
        if not isinstance(ref, YStr):
            self.diags.add(kloc, "'template' must be a file path", code="bad-template")
            return []
        for key in sorted(set(item) - {"template", "parameters"}):
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
        if section not in body:
            self.diags.add(
                ref.loc,
                f"template '{ref}' has no '{section}' section",
                code="bad-template",
                hint=did_you_mean(section, list(body)),
            )
            return []
        for key in body:
            if key != section:
                self.diags.add(
                    body.key_loc(key),
                    f"unknown key '{key}' in a {section} template",
                    code="unknown-key",
                    hint=f"a {section} template holds 'parameters' and '{section}'",
                )
        if result is None:
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
        rel = self.files.resolve(ref, scope.file)
        if rel is None:
            return None
        if rel in scope.stack or rel == scope.file:
            chain = " -> ".join([*(scope.stack or (scope.file,)), rel])
            self.diags.add(ref.loc, f"template cycle: {chain}", code="template-cycle")
            return None
        if scope.depth + 1 > MAX_TEMPLATE_DEPTH:
            self.diags.add(
                ref.loc,
                f"templates nested deeper than {MAX_TEMPLATE_DEPTH} levels",
                code="too-deep",
            )
            return None
        src = self.files.load(rel, ref.loc)
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
            stack=(*(scope.stack or (scope.file,)), rel),
        )
        reported = len(self.diags)
        inner.parameters = bind_parameters(
            root.get("parameters"),
            root.key_loc("parameters"),
            args,
            ref,
            self.diags,
            lambda node: self.expand(node, inner),
        )
        if len(self.diags) > reported:
            return None  # expanding with parameters that are wrong would only add noise
        body = YMap(root.loc)
        for key, value in root.items():
            if key != "parameters":
                expanded = self.expand(value, inner, key if key in _SECTIONS else "")
                body.put_from(root, key, expanded)
        return body
