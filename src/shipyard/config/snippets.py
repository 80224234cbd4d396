"""Attach the offending line to each diagnostic that does not carry one yet.

Checks deep in the loader only know a location; the line itself is read once per file at
reporting time, so that every error a user sees shows the text it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from shipyard.config.source import Source
from shipyard.domain.diagnostics import Diagnostic

MAX_SNIPPET = 160


def attach_snippets(items: Iterable[Diagnostic], source: Source) -> list[Diagnostic]:
    lines: dict[str, list[str] | None] = {}
    out: list[Diagnostic] = []
    for diag in items:
        if diag.snippet or diag.loc.line <= 0:
            out.append(diag)
            continue
        if diag.loc.file not in lines:
            data = source.read(diag.loc.file)
            lines[diag.loc.file] = (
                data.decode("utf-8", "replace").splitlines() if data is not None else None
            )
        text = lines[diag.loc.file]
        if text is not None and diag.loc.line <= len(text):
            line = text[diag.loc.line - 1].rstrip()
            if len(line) > MAX_SNIPPET:
                line = line[: MAX_SNIPPET - 3] + "..."
            out.append(replace(diag, snippet=line))
        else:
            out.append(diag)
    return out
