"""``shipyard platform up | down | status | install | env``: the embedded local platform.

The commands are thin: they build a :class:`~shipyard.platform.Platform` (the composition
root for real adapters), hand it a progress display, and render what comes back. Every body
runs under ``guarded``, so a failing step prints its component, reason and retry command,
never a traceback.
"""

from __future__ import annotations

import contextlib
import shlex
import time
from collections.abc import Iterator
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress as RichBar
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shipyard import platform
from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.platform import lifecycle
from shipyard.platform.catalog import TOOLS, tool
from shipyard.platform.progress import Recorder, Step, StepRecord

OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text for people, json for scripts")


class RichProgress(Recorder):
    """A spinner with the elapsed time for each step, then one line with the outcome."""

    def __init__(self, out: Console) -> None:
        super().__init__()
        self.out = out

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[Step]:
        bar = RichBar(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.out,
            transient=True,
        )
        with bar:
            bar.add_task(escape(title), total=None)
            with super().step(title) as handle:
                yield handle
        record = self.steps[-1]
        self._line(record)

    def _line(self, record: StepRecord) -> None:
        mark = {"done": "[green]✓[/]", "skipped": "[dim]·[/]", "failed": "[red]✗[/]"}[
            record.outcome
        ]
        detail = f" [dim]({escape(record.detail)})[/]" if record.detail else ""
        took = f" [dim]{record.seconds:.1f} s[/]" if record.outcome != "skipped" else ""
        self.out.print(f"{mark} {escape(record.title)}{detail}{took}")

    def info(self, message: str) -> None:
        super().info(message)
        self.out.print(f"  [dim]{escape(message)}[/]")

    def warn(self, message: str) -> None:
        super().warn(message)
        self.out.print(f"  [yellow]warning:[/] {escape(message)}")


def _progress(output: OutputFormat) -> Recorder:
    return Recorder() if output == OutputFormat.json else RichProgress(console(stderr=True))


def _steps(recorder: Recorder) -> list[dict[str, Any]]:
    return [
        {"step": s.title, "outcome": s.outcome, "seconds": round(s.seconds, 2), "detail": s.detail}
        for s in recorder.steps
    ]


def _up(output: OutputFormat) -> None:
    recorder = _progress(output)
    started = time.monotonic()
    p = platform.up(platform.Platform.load(progress=recorder))
    took = time.monotonic() - started
    if output == OutputFormat.json:
        emit_json(
            {
                "steps": _steps(recorder),
                "seconds": round(took, 2),
                "built": [s.title for s in recorder.done()],
            }
        )
        return
    out = console()
    out.print(f"[bold green]platform up[/] in {took:.1f} s")
    out.print(f"  registry    {p.target.address}")
    out.print(f"  kubeconfig  {p.kubeconfig}  (contexts: {', '.join(platform.ENVIRONMENT_NAMES)})")
    out.print('  tool env    eval "$(shipyard platform env)"')


def _down(output: OutputFormat, purge: bool) -> None:
    recorder = _progress(output)
    report = platform.down(platform.Platform.load(progress=recorder), purge=purge)
    if output == OutputFormat.json:
        emit_json(
            {
                "stopped": report.stopped,
                "killed": report.killed,
                "purged": report.purged,
                "steps": _steps(recorder),
            }
        )
        return
    out = console()
    out.print("stopped: " + (", ".join(report.stopped) or "nothing was running"))
    if report.killed:
        out.print(f"also stopped leftover processes: {report.killed}")
    if report.purged:
        out.print("removed: " + ", ".join(report.purged))
    elif report.stopped:
        out.print("[dim]data kept; `shipyard platform down --purge` removes it[/]")


def _health(ok: bool | None, text: str) -> str:
    if ok is None:
        return f"[dim]{escape(text)}[/]"
    return f"[green]{escape(text)}[/]" if ok else f"[red]{escape(text)}[/]"


def _status(output: OutputFormat) -> None:
    report = platform.status.collect(platform.Platform.load())
    if output == OutputFormat.json:
        emit_json(report)
        return
    table = Table("component", "version", "address", "pid", "health", box=None, pad_edge=False)
    for t in report.get("tools", []):
        ok = t["state"] == "ok"
        table.add_row(
            f"tool {t['name']}",
            t["version"],
            t["path"],
            "",
            _health(ok, t["state"] + (f": {t['detail']}" if t["detail"] else "")),
        )
    reg = report["registry"]
    table.add_row(
        "registry",
        tool("docker-registry").version,
        reg["address"],
        str(reg["pid"] or ""),
        _health(
            reg["state"] in ("running", "external"),
            reg["state"] + (f" ({reg['detail']})" if reg["detail"] else ""),
        ),
    )
    for img in report["images"]:
        present = img["present"]
        table.add_row(
            "image",
            "",
            img["image"],
            "",
            _health(present, {True: "present", False: "missing", None: "unknown"}[present]),
        )
    for c in report["clusters"]:
        pids = ",".join(str(p) for p in c["pids"].values())
        text = c["state"] + (
            f", {c['nodes_ready']} node(s) ready" if c["state"] == "running" else ""
        )
        text += f" ({c['detail']})" if c["detail"] else ""
        table.add_row(
            f"cluster {c['name']}",
            tool("kubernetes").version,
            c["address"],
            pids,
            _health(c["state"] == "running", text),
        )
    for e in report["environments"]:
        text = e["identity"] or e.get("detail") or "not reachable"
        table.add_row(
            f"env {e['name']}",
            "",
            f"context {e['context']} / ns {e['namespace']}",
            "",
            _health(e["healthy"], text),
        )
    out = console()
    out.print(table)
    out.print(f"kubeconfig: {report['paths']['kubeconfig']}")
    if report["processes"]:
        out.print(f"Shipyard processes running: {len(report['processes'])}")
    else:
        out.print("No Shipyard process is running.")


def _install(names: list[str], output: OutputFormat) -> None:
    known = {t.name: t for t in TOOLS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise typer.BadParameter(f"unknown tool(s) {unknown}; known: {sorted(known)}")
    recorder = _progress(output)
    p = platform.Platform.load(progress=recorder)
    states = lifecycle.install(p, tuple(known[n] for n in names) or lifecycle.needed_tools(p))
    if output == OutputFormat.json:
        emit_json({"tools": [s.as_json() for s in states], "steps": _steps(recorder)})


def _env(output: OutputFormat) -> None:
    env = platform.tool_env()
    if output == OutputFormat.json:
        emit_json(env)
        return
    for key, value in env.items():
        typer.echo(f"export {key}={shlex.quote(value)}")


def register(app: typer.Typer) -> None:
    sub = typer.Typer(
        name="platform",
        help=(
            "The embedded local platform: an OCI registry, base images, Helm and two "
            "Kubernetes clusters (devtest: dev, qa, staging; prod: production), installed and "
            "started on 127.0.0.1. Settings: shipyard.toml or $SHIPYARD_CONFIG "
            "(see docs/platform.md)."
        ),
        no_args_is_help=True,
    )

    @sub.command("up")
    def up_cmd(output: OutputFormat = OUTPUT) -> None:
        """Install what is missing and start everything (a no-op when all is up)."""
        guarded(lambda: _up(output), output == OutputFormat.json)

    @sub.command("down")
    def down_cmd(
        purge: bool = typer.Option(
            False, "--purge", help="also delete registry, cluster and image data"
        ),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Stop every process Shipyard started; keep the data unless --purge."""
        guarded(lambda: _down(output, purge), output == OutputFormat.json)

    @sub.command("status")
    def status_cmd(output: OutputFormat = OUTPUT) -> None:
        """Each component with its version, address, PID and health."""
        guarded(lambda: _status(output), output == OutputFormat.json)

    @sub.command("install")
    def install_cmd(
        tools: list[str] = typer.Argument(
            None, help="catalog names (default: the platform's tools)"
        ),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Install or build tools from the catalog (e.g. syft, osv-scanner); cached by version."""
        guarded(lambda: _install(list(tools or []), output), output == OutputFormat.json)

    @sub.command("env")
    def env_cmd(output: OutputFormat = OUTPUT) -> None:
        """Print the tool environment: eval "$(shipyard platform env)" for helm, kubectl..."""
        guarded(lambda: _env(output), output == OutputFormat.json)

    app.add_typer(sub)
