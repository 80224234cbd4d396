"""``shipyard run``, ``runs``, ``logs`` and ``tests``: running pipelines and reading runs.

``run`` plans the event like ``shipyard plan`` (same options), then runs the chosen
pipeline on this machine: an engine in this process, warm worker processes for the jobs,
state in the store (``SHIPYARD_DATABASE_URL``; SQLite under the XDG state folder by
default). The other commands read the store; like any start of Shipyard they first settle
runs left behind by a crashed engine, so nothing shows ``running`` forever.
"""

from __future__ import annotations

import getpass
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from shipyard.adapters.git import GitCli
from shipyard.cli.build_record import build_record_json, print_build_record
from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.plan_cmd import EventKind, UsageProblem, build_event
from shipyard.cli.validate_cmd import find_repo_root
from shipyard.domain.diagnostics import ExitCode, ShipyardError
from shipyard.domain.events import Event
from shipyard.flow.run.records import RunRecord
from shipyard.flow.run.recovery import sweep
from shipyard.flow.run.requests import NotTriggered, request_for
from shipyard.flow.run.spec import RunRequest
from shipyard.flow.run.status import Status
from shipyard.flow.run.views import StepTitles, current_step, duration, find_steps, run_json

_STYLE = {
    Status.queued: "dim",
    Status.running: "cyan",
    Status.waiting: "yellow",
    Status.succeeded: "green",
    Status.succeededWithIssues: "yellow",
    Status.failed: "red",
    Status.canceled: "magenta",
    Status.skipped: "dim",
    Status.expired: "magenta",
}
OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text or json")


# -- reading the store ----------------------------------------------------------------


def _store() -> Any:
    """The store, after settling runs whose engine died (the crash sweep)."""
    from shipyard.store import open_store

    store = open_store()
    sweep(store, time.time())
    return store


def _need_run(store: Any, run_id: int) -> RunRecord:
    run: RunRecord | None = store.get_run(run_id)
    if run is None:
        raise UsageProblem(f"run {run_id} does not exist", hint="list runs with `shipyard runs`")
    return run


def _json(store: Any, run: RunRecord) -> dict[str, Any]:
    return run_json(run, store.test_counts(run.id), store.issues(run.id), store.artifacts(run.id))


def _exit_code(run: RunRecord) -> int:
    return int(ExitCode.FAILED) if run.status in (Status.failed, Status.canceled) else 0


# -- rendering --------------------------------------------------------------------------


def _label(value: Status) -> Text:
    return Text(str(value), style=_STYLE[value])


def _summary(run: RunRecord) -> str:
    text = f"run {run.id} {escape(run.pipeline)} #{escape(run.build_number)}: "
    text += f"[{_STYLE[run.status]}]{run.status}[/]"
    return text + (f" ({escape(run.message)})" if run.message else "")


def _tree(run: RunRecord) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    for stage in run.stages:
        for job in stage.jobs:
            where = job.name if stage.name == "__default" else f"{stage.name} / {job.name}"
            when = duration(job.started_at, job.finished_at)
            table.add_row(_label(job.status), Text(where, style="bold"), "", when)
            for step in job.steps:
                note = f"  ({step.message})" if step.message and not step.status.ok else ""
                table.add_row(
                    "",
                    _label(step.status),
                    Text(step.display_name[:70] + note[:100]),
                    duration(step.started_at, step.finished_at),
                )
    return table


def _live_view(store: Any, run_id: int) -> Group:
    run = _need_run(store, run_id)
    parts: list[Any] = [Text.from_markup(_summary(run)), _tree(run)]
    step = current_step(run)
    if step is not None:
        tail = store.logs(run_id, step_id=step.id, limit=100_000)[-10:]
        parts.append(Text(f"--- {step.display_name[:70]} ---", style="dim"))
        parts += [Text(line.text[:200]) for line in tail]
    return Group(*parts)


# -- running --------------------------------------------------------------------------


def _params(param: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageProblem(f"--param '{item}': expected NAME=VALUE")
        params[name] = value
    return params


def _secrets(names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in names:
        name, _, env = item.partition("=")
        value = os.environ.get(env or name)
        if not name or value is None:
            raise UsageProblem(
                f"--secret {item}: environment variable {env or name} is not set",
                hint="secret values are read from the environment, never the command line",
            )
        out[name] = value
    return out


def _watch(svc: Any, run_id: int, follow: bool) -> None:
    """Until the run settles: a live view, or one line per finished step."""
    sub = svc.bus.subscribe(run_id)
    titles = StepTitles(lambda: svc.store.get_run(run_id))
    out = console()
    try:
        if follow:
            with Live(_live_view(svc.store, run_id), console=out, refresh_per_second=8) as live:
                while not svc.engine.settled(run_id) and svc.engine.crashed is None:
                    sub.get(timeout=0.2)
                    live.update(_live_view(svc.store, run_id))
            if not out.is_terminal:
                out.line()
            return
        while not svc.engine.settled(run_id) and svc.engine.crashed is None:
            event = sub.get(timeout=0.5)
            if event and event.kind == "step" and Status(event.status).final:
                where = titles.where(event.stage, event.job, event.step)
                style = _STYLE[Status(event.status)]
                out.print(f"  [{style}]{event.status:<20}[/] {escape(where)}")
    finally:
        sub.close()


def _drive(svc: Any, run_id: int, follow: bool, as_json: bool) -> None:
    try:
        if as_json:
            while not svc.engine.settled(run_id) and svc.engine.crashed is None:
                time.sleep(0.05)
        else:
            _watch(svc, run_id, follow)
    except KeyboardInterrupt:
        console(stderr=True).print("canceling the run...")
        svc.engine.cancel(run_id)
        end = time.time() + 60
        while not svc.engine.settled(run_id) and time.time() < end:
            time.sleep(0.1)
    if svc.engine.crashed is not None:
        raise ShipyardError(f"the engine stopped: {svc.engine.crashed}")
    run = _need_run(svc.store, run_id)
    if as_json:
        emit_json(_json(svc.store, run))
    else:
        out = console()
        out.print(_summary(run))
        failed = svc.store.tests(run_id, "failed")
        if failed:
            out.print(f"[red]{len(failed)} failing test(s)[/]: shipyard tests {run_id}")
        if not run.status.final:
            out.print(f"waiting on a decision; resume with `shipyard runs resume {run_id}`")
    raise SystemExit(_exit_code(run))


def _run_body(pipeline: str, root: Path, ev: Event, opts: dict[str, Any], as_json: bool) -> None:
    from shipyard.executor.service import LocalService

    secrets = _secrets(opts["secret"])
    svc = LocalService.start(workers=opts["workers"] or None)  # workers warm up meanwhile
    try:
        try:
            request = request_for(
                pipeline,
                ev,
                GitCli(root),
                repo=str(root),
                repository_name=root.name,
                parameters=_params(opts["param"]),
                requested_for=getpass.getuser(),
            )
        except NotTriggered as skip:
            if as_json:
                emit_json({"run": None, "decision": "skip", "reason": skip.message})
            else:
                console().print(escape(skip.message))
            return
        request = RunRequest(**{**request.as_json(), "secrets": secrets})
        run_id = svc.engine.submit(request).result(timeout=300)
        if run_id is None:
            raise ShipyardError("the run was merged into a pending batch")
        if not as_json:
            console().print(f"run {run_id}: {escape(pipeline)} at {request.sha[:12]}")
        _drive(svc, run_id, opts["follow"], as_json)
    finally:
        svc.stop()


def _register_run(app: typer.Typer) -> None:
    @app.command("run")
    def run_cmd(
        pipeline: str = typer.Argument(..., help="The pipeline's name (see `shipyard plan`)"),
        event: EventKind = typer.Option(EventKind.manual, "--event", "-e", help="push, pr, ..."),
        ref: str = typer.Option(..., "--ref", "-r", help="Branch or tag; for pr, the source"),
        from_sha: str | None = typer.Option(None, "--from", help="push: the commit before"),
        to_sha: str | None = typer.Option(None, "--to", help="The commit to build"),
        target: str | None = typer.Option(None, "--target", help="pr: the target branch"),
        repo: Path = typer.Option(Path(), "--repo", help="The repository (a git folder)"),
        param: list[str] = typer.Option([], "--param", "-p", help="Parameter NAME=VALUE"),
        secret: list[str] = typer.Option(
            [], "--secret", "-s", help="Secret variable NAME[=ENV_VAR], read from the environment"
        ),
        number: int = typer.Option(1, "--number", help="pr: the pull request number"),
        title: str = typer.Option("", "--title", help="pr: the title"),
        draft: bool = typer.Option(False, "--draft", help="pr: it is a draft"),
        follow: bool = typer.Option(False, "--follow", "-f", help="Live progress and log tail"),
        workers: int = typer.Option(0, "--workers", help="Worker processes (default 2 to 4)"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Run a pipeline on this machine for an event; exit code 1 when the run fails.

        Examples:

          shipyard run delivery --event push --ref main --follow

          shipyard run delivery --event branch --ref release/delivery/v1.0.2

          TOKEN=... shipyard run delivery --ref main --secret deployToken=TOKEN
        """
        as_json = output is OutputFormat.json
        opts = {"param": param, "secret": secret, "follow": follow, "workers": workers}

        def body() -> None:
            root = find_repo_root(repo.resolve())
            git = GitCli(root)
            ev = build_event(git, event, ref, from_sha, to_sha, target, number, title, draft)
            _run_body(pipeline, root, ev, opts, as_json)

        guarded(body, as_json)


# -- reading ----------------------------------------------------------------------------


def _register_runs(app: typer.Typer) -> None:
    runs = typer.Typer(help="List runs, show one, resume or cancel one.", no_args_is_help=False)
    app.add_typer(runs, name="runs")

    @runs.callback(invoke_without_command=True)
    def runs_list(
        ctx: typer.Context,
        pipeline: str | None = typer.Option(None, "--pipeline", help="Only this pipeline"),
        limit: int = typer.Option(20, "--limit", "-n", help="How many, newest first"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """The latest runs, newest first."""
        if ctx.invoked_subcommand is not None:
            return
        as_json = output is OutputFormat.json

        def body() -> None:
            store = _store()
            found = store.list_runs(limit, pipeline)
            if as_json:
                emit_json([{k: v for k, v in asdict(r).items() if k != "stages"} for r in found])
                return
            table = Table("run", "pipeline", "build", "status", "ref", "commit", "took")
            for r in found:  # Text, not markup: a branch may be called "[bold]"
                table.add_row(
                    str(r.id),
                    Text(r.pipeline),
                    Text(r.build_number),
                    _label(r.status),
                    Text(r.ref),
                    r.sha[:12],
                    duration(r.started_at, r.finished_at),
                )
            console().print(table)

        guarded(body, as_json)

    @runs.command("show")
    def runs_show(
        run_id: int = typer.Argument(..., help="The run"), output: OutputFormat = OUTPUT
    ) -> None:
        """One run: its stages, jobs and steps with statuses and timings."""
        as_json = output is OutputFormat.json

        def body() -> None:
            store = _store()
            run = _need_run(store, run_id)
            if as_json:
                emit_json({**_json(store, run), "build_record": build_record_json(store, run)})
            else:
                out = console()
                out.print(_summary(run))
                out.print(f"{escape(run.ref)} at {run.sha[:12]} ({run.reason})")
                out.print(_tree(run))
                for issue in store.issues(run_id):
                    style = "red" if issue.type == "error" else "yellow"
                    out.print(f"[{style}]{issue.type}[/] {escape(issue.message)}")
                counts = store.test_counts(run_id)
                if counts:
                    out.print("tests: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
                print_build_record(out, store, run)
            raise SystemExit(_exit_code(run))

        guarded(body, as_json)

    @runs.command("cancel")
    def runs_cancel(run_id: int = typer.Argument(..., help="The run")) -> None:
        """Ask the engine running a run to cancel it."""
        guarded(lambda: _store().request_cancel(run_id), False)

    @runs.command("resume")
    def runs_resume(
        run_id: int = typer.Argument(..., help="A run that waited while no engine ran"),
        follow: bool = typer.Option(False, "--follow", "-f", help="Live progress"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Carry on with a run that waited on a decision (after it was resolved)."""
        as_json = output is OutputFormat.json

        def body() -> None:
            from shipyard.executor.service import LocalService

            svc = LocalService.start()
            try:
                if not svc.engine.adopt_run(run_id):
                    raise UsageProblem(f"run {run_id} is finished or owned by a running engine")
                _drive(svc, run_id, follow, as_json)
            finally:
                svc.stop()

        guarded(body, as_json)


def _register_logs(app: typer.Typer) -> None:
    @app.command("logs")
    def logs_cmd(
        run_id: int = typer.Argument(..., help="The run"),
        step: str | None = typer.Option(None, "--step", help="A step: name, job/name or id"),
        follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """A run's log, or one step's, line by line as stored (secrets are masked)."""
        as_json = output is OutputFormat.json

        def body() -> None:
            store = _store()
            run = _need_run(store, run_id)
            step_ids: list[int | None] = [None]
            if step is not None:
                found = find_steps(run, step)
                if not found:
                    raise UsageProblem(f"run {run_id} has no step '{step}'")
                step_ids = [s.id for s in found]
            names = {s.id: s.display_name for st in run.stages for j in st.jobs for s in j.steps}
            after, printed = 0, []
            while True:
                for step_id in step_ids:
                    for line in store.logs(run_id, step_id=step_id, after=after):
                        after = max(after, line.id)
                        if as_json:
                            printed.append(asdict(line))
                        else:
                            where = names.get(line.step_id or 0, "") if step is None else ""
                            print(f"{where + ': ' if where else ''}{line.text}")
                if not follow or _need_run(store, run_id).status.final:
                    break
                time.sleep(0.3)
            if as_json:
                emit_json(printed)

        guarded(body, as_json)


def _register_tests(app: typer.Typer) -> None:
    @app.command("tests")
    def tests_cmd(
        run_id: int = typer.Argument(..., help="The run"),
        all_tests: bool = typer.Option(False, "--all", help="Every test, not only failures"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """A run's failing tests with their messages; exit code 1 when any failed."""
        as_json = output is OutputFormat.json

        def body() -> None:
            store = _store()
            _need_run(store, run_id)
            cases = store.tests(run_id, None if all_tests else "failed")
            counts = store.test_counts(run_id)
            if as_json:
                emit_json({"counts": counts, "tests": [asdict(c) for c in cases]})
            else:
                out = console()
                out.print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no tests")
                for c in cases:
                    name = f"{c.class_name}.{c.name}" if c.class_name else c.name
                    style = "red" if c.outcome == "failed" else "dim"
                    out.print(f"[{style}]{c.outcome}[/] {escape(name)}")
                    if c.message:
                        out.print(f"    {escape(c.message.splitlines()[0][:300])}")
            raise SystemExit(int(ExitCode.FAILED) if counts.get("failed") else 0)

        guarded(body, as_json)


def register(app: typer.Typer) -> None:
    _register_run(app)
    _register_runs(app)
    _register_logs(app)
    _register_tests(app)
