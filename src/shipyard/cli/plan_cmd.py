"""``shipyard plan``: which pipelines an event runs, and what each will do."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape
from rich.text import Text
from rich.tree import Tree

from shipyard.adapters.git import GitCli
from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.validate_cmd import find_repo_root
from shipyard.domain.diagnostics import ExitCode, ShipyardError
from shipyard.domain.events import (
    Event,
    Manual,
    NewBranch,
    PullRequest,
    Push,
    Tag,
    branch_ref,
    tag_ref,
)
from shipyard.flow.planner import PlanReport, plan_event
from shipyard.ports import Git


class EventKind(StrEnum):
    push = "push"
    pr = "pr"
    branch = "branch"
    tag = "tag"
    manual = "manual"


class UsageProblem(ShipyardError):
    exit_code = ExitCode.USAGE


def _need(git: Git, rev: str, what: str) -> str:
    sha = git.resolve(rev)
    if sha is None:
        raise UsageProblem(
            f"{what} '{rev}' is not a commit in this repository",
            hint="check the name with `git rev-parse --verify REV`",
        )
    return sha


def build_event(
    git: Git,
    kind: EventKind,
    ref: str,
    from_sha: str | None,
    to_sha: str | None,
    target: str | None,
    number: int,
    title: str,
    draft: bool,
) -> Event:
    if kind is EventKind.push:
        after = _need(git, to_sha or branch_ref(ref), "--to")
        before = _need(git, from_sha or f"{after}^", "--from")
        return Push(ref, before, after)
    if kind is EventKind.branch:
        return NewBranch(ref, _need(git, to_sha or branch_ref(ref), "--to"))
    if kind is EventKind.tag:
        return Tag(ref, _need(git, to_sha or tag_ref(ref), "--to"))
    if kind is EventKind.pr:
        if not target:
            raise UsageProblem(
                "a pull request needs --target BRANCH (the branch it merges into)",
                hint="e.g. --event pr --ref feature/x --target main",
            )
        source_sha = _need(git, to_sha or branch_ref(ref), "--to")
        target_sha = _need(git, from_sha or branch_ref(target), "--target")
        return PullRequest(ref, target, source_sha, target_sha, number, title, draft)
    _need(git, to_sha or branch_ref(ref), "--ref")
    return Manual(ref)


def _mark(will_run: bool | None) -> str:
    return {True: "[green]run[/]", False: "[dim]skip[/]", None: "[yellow]maybe[/]"}[will_run]


def _t(markup: str) -> Text:
    """Tree labels fold instead of being cut at the terminal's width."""
    return Text.from_markup(markup, overflow="fold")


def print_report(report: PlanReport, verbose: bool) -> None:
    out = console()
    ev = report.event
    out.print(
        f"[bold]{ev['kind']}[/] {escape(str(ev.get('ref') or ev.get('source_ref')))} "
        f"at {report.commit[:12]}"
    )
    for p in report.pipelines:
        if p.decision == "skip":
            out.print(f"  [dim]- {escape(p.name)}: skip[/] ({escape(p.reason)})")
            for err in p.errors[:5]:
                out.print(f"      {escape(err.render())}")
            continue
        tree = Tree(
            _t(
                f"[bold green]+ {escape(p.name)}[/] run #{escape(p.build_number or '')} "
                f"({escape(p.build_reason or '')}): {escape(p.reason)}"
            )
        )
        for stage in p.stages:
            label = stage.name if stage.name != "__default" else "(stage)"
            st = tree.add(_t(f"{_mark(stage.will_run)} stage {escape(label)}"))
            for job in stage.jobs:
                jt = st.add(
                    _t(
                        f"{_mark(job.will_run)} job {escape(job.name)}"
                        + (f" -> environment {escape(job.environment)}" if job.environment else "")
                    )
                )
                for step in job.steps:
                    why = (
                        ""
                        if step.will_run is True and not verbose
                        else f" [dim]({escape(step.reason)})[/]"
                    )
                    jt.add(_t(f"{_mark(step.will_run)} {escape(step.display_name)}{why}"))
        out.print(tree, soft_wrap=False, crop=False)


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan_cmd(
        event: EventKind = typer.Option(
            ..., "--event", "-e", help="push, pr, branch (created), tag or manual"
        ),
        ref: str = typer.Option(
            ..., "--ref", "-r", help="Branch or tag (short or full ref); for pr, the source"
        ),
        from_sha: str | None = typer.Option(
            None, "--from", help="push: the commit before (default: to^)"
        ),
        to_sha: str | None = typer.Option(
            None, "--to", help="the commit pushed (default: the ref's tip)"
        ),
        target: str | None = typer.Option(None, "--target", help="pr: the target branch"),
        repo: Path = typer.Option(Path(), "--repo", help="The repository (a git folder)"),
        param: list[str] = typer.Option(
            [], "--param", "-p", help="Pipeline parameter NAME=VALUE (repeatable)"
        ),
        number: int = typer.Option(1, "--number", help="pr: the pull request number"),
        title: str = typer.Option("", "--title", help="pr: the title"),
        draft: bool = typer.Option(False, "--draft", help="pr: it is a draft"),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Say why for every step"),
        output: OutputFormat = typer.Option(
            OutputFormat.text, "--output", "-o", help="text or json (docs/plan.schema.json)"
        ),
    ) -> None:
        """Show which pipelines an event runs and, for each, the stages, jobs and steps.

        Templates are expanded, variables resolved (secrets masked) and conditions
        evaluated as far as the event allows: each step says run, skip or maybe, and why.
        Every pipeline that does not run says why not.

        Examples:

          shipyard plan --event push --ref feature/delivery/x

          shipyard plan --event branch --ref release/delivery/v1.0.2

          shipyard plan --event pr --ref feature/delivery/x --target main -o json
        """
        as_json = output is OutputFormat.json

        def body() -> None:
            params: dict[str, str] = {}
            for item in param:
                name, sep, value = item.partition("=")
                if not sep or not name:
                    raise UsageProblem(f"--param '{item}': expected NAME=VALUE")
                params[name] = value
            root = find_repo_root(repo.resolve())
            git = GitCli(root)
            ev = build_event(git, event, ref, from_sha, to_sha, target, number, title, draft)
            from shipyard.cli.validate_cmd import warnings_as_errors

            report = plan_event(
                ev,
                git,
                repository=root.name,
                parameters=params,
                warnings_as_errors=warnings_as_errors(),
            )
            if as_json:
                emit_json(report.as_json())
            else:
                print_report(report, verbose)

        guarded(body, as_json)
