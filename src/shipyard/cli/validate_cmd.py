"""``shipyard validate``: every pipeline of a repository, or one file, checked together."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.config.environments import check_environments
from shipyard.config.loader import load_pipeline
from shipyard.config.monorepo import load_monorepo
from shipyard.config.snippets import attach_snippets
from shipyard.config.source import DirSource
from shipyard.domain.diagnostics import Diagnostics, ExitCode, InvalidInput
from shipyard.flow.predefined import RunFacts, predefined_variables


def find_repo_root(start: Path) -> Path:
    """The nearest folder holding ``.git`` or ``shipyard.yml``; else ``start`` itself."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists() or (candidate / "shipyard.yml").is_file():
            return candidate
    return folder


def warnings_as_errors() -> frozenset[str]:
    """The ``policy.warnings_as_errors`` setting; none when the settings do not load."""
    from shipyard.platform import settings

    try:
        return settings.load().warnings_as_errors
    except InvalidInput:
        return frozenset()


def environment_names() -> tuple[str, ...]:
    """The environments of Shipyard's settings; the embedded ones when they do not load
    (``shipyard platform status`` reports the settings' own problems)."""
    from shipyard.platform import settings
    from shipyard.platform.topology import ENVIRONMENT_NAMES

    try:
        return settings.load().delivery.names()
    except InvalidInput:
        return ENVIRONMENT_NAMES


def validate(path: Path) -> tuple[list[dict[str, object]], Diagnostics]:
    """Validate; returns one summary per pipeline and every diagnostic found."""
    path = path.resolve()
    if not path.exists():
        raise InvalidInput([], f"{path}: no such file or folder")
    root = find_repo_root(path)
    source = DirSource(root)
    diags = Diagnostics()
    if path.is_file():
        entries = [(path.stem, path.relative_to(root).as_posix())]
    else:
        repo = load_monorepo(source, diags)
        prefix = "" if path == root else path.relative_to(root).as_posix() + "/"
        entries = [(e.name, e.path) for e in repo.pipelines if e.path.startswith(prefix)]
    known = environment_names()
    strict = warnings_as_errors()
    summaries: list[dict[str, object]] = []
    for name, rel in entries:
        mine = Diagnostics()
        facts = RunFacts(
            pipeline=name,
            repository=root.name,
            ref="refs/heads/main",
            sha="0" * 40,
            reason="Manual",
        )
        pipeline = load_pipeline(source, rel, mine, predefined=predefined_variables(facts))
        if pipeline is not None:
            check_environments(pipeline, known, mine)
        mine.strict(strict)
        summaries.append(
            {
                "name": name,
                "file": rel,
                "valid": not mine,
                "errors": len(mine.sorted()),
                "warnings": len(mine.sorted_warnings()),
            }
        )
        diags.extend(mine)
    return summaries, diags


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate_cmd(
        path: Path = typer.Argument(
            Path(), help="A repository (every registered pipeline) or one pipeline file."
        ),
        output: OutputFormat = typer.Option(
            OutputFormat.text, "--output", "-o", help="text or json"
        ),
    ) -> None:
        """Check pipelines: syntax, keys, types, expressions, templates, tasks, dependsOn.

        Every error is reported with file:line:column, the offending line and a hint.
        Exit codes: 0 valid, 3 invalid (see docs/exit-codes.md).

        Examples:

          shipyard validate                      # every pipeline of this repository

          shipyard validate src/shipping/delivery/azure-pipelines.yml

          shipyard validate --output json | jq '.diagnostics[].message'
        """
        as_json = output is OutputFormat.json

        def body() -> None:
            summaries, diags = validate(path)
            source = DirSource(find_repo_root(path.resolve()))
            items = attach_snippets(diags.sorted(), source)
            warnings = attach_snippets(diags.sorted_warnings(), source)
            if as_json:
                emit_json(
                    {
                        "valid": not items,
                        "pipelines": summaries,
                        "diagnostics": [d.as_json() for d in items],
                        "warnings": [d.as_json() for d in warnings],
                    }
                )
                if items:
                    raise typer.Exit(int(ExitCode.INVALID))
                return
            out = console()
            for d in items:
                console(stderr=True).print(escape(d.render()))
            for d in warnings:
                console(stderr=True).print(f"[yellow]{escape(d.render())}[/]")
            for s in summaries:
                mark = "[green]ok[/]" if s["valid"] else f"[red]{s['errors']} error(s)[/]"
                if s["warnings"]:
                    mark += f" [yellow]({s['warnings']} warning(s))[/]"
                out.print(f"{escape(str(s['name']))} ({escape(str(s['file']))}): {mark}")
            if not summaries:
                out.print("no pipelines found (add shipyard.yml or azure-pipelines*.yml files)")
            if items:
                raise InvalidInput(
                    [],
                    f"{len(items)} error(s) in "
                    f"{sum(1 for s in summaries if not s['valid'])} pipeline(s)",
                )

        guarded(body, as_json)
