"""``shipyard platform up | down | status | install | env``: the embedded local platform.

The commands are thin: they build a :class:`~shipyard.platform.Platform` (the composition
root for real adapters), hand it a progress display, and render what comes back. Every body
runs under ``guarded``, so a failing step prints its component, reason and retry command,
never a traceback.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from shipyard import platform
from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.progress_view import RichProgress
from shipyard.platform import lifecycle
from shipyard.platform.catalog import TOOLS, tool
from shipyard.platform.progress import Recorder

OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text for people, json for scripts")


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
                "changed": [s.title for s in recorder.done()],
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


def _short(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home) :] if path.startswith(home + "/") else path


def _rows(report: dict[str, Any]) -> list[tuple[str, str, str, str, bool | None, str]]:
    """(component, version, address, pid, healthy, health text) for each line of the table."""
    rows: list[tuple[str, str, str, str, bool | None, str]] = []
    for t in report.get("tools", []):
        text = t["state"] + (f": {t['detail']}" if t["detail"] else "")
        rows.append(
            (f"tool {t['name']}", t["version"], _short(t["path"]), "", t["state"] == "ok", text)
        )
    reg = report["registry"]
    text = reg["state"] + (f" ({reg['detail']})" if reg["detail"] else "")
    rows.append(
        (
            "registry",
            tool("docker-registry").version,
            reg["address"],
            str(reg["pid"] or ""),
            reg["state"] in ("running", "external"),
            text,
        )
    )
    tokens = reg.get("token_service")
    if tokens:
        push = "; ".join(f"{role} pushes {', '.join(ns)}" for role, ns in tokens["push"].items())
        rows.append(
            (
                "registry tokens",
                "",
                tokens["address"],
                str(tokens["pid"] or ""),
                tokens["state"] == "running",
                f"{tokens['state']} ({push})",
            )
        )
    temporal = report.get("temporal")
    if temporal:
        rows.append(
            (
                "temporal",
                tool("temporal").version,
                temporal["address"],
                str(temporal["pid"] or ""),
                temporal["state"] == "running",
                temporal["state"] + " (executor.kind = temporal)",
            )
        )
    for img in report["images"]:
        present = img["present"]
        word = {True: "present", False: "missing", None: "unknown"}[present]
        rows.append(("image", "", img["image"], "", present, word))
    for c in report["clusters"]:
        text = c["state"] + (
            f", {c['nodes_ready']} node(s) ready" if c["state"] == "running" else ""
        )
        text += f" ({c['detail']})" if c["detail"] else ""
        pids = ",".join(str(p) for p in c["pids"].values())
        rows.append(
            (
                f"cluster {c['name']}",
                tool("kubernetes").version,
                c["address"],
                pids,
                c["state"] == "running",
                text,
            )
        )
    for e in report["environments"]:
        text = e["identity"] or e.get("detail") or "not reachable"
        rows.append(
            (
                f"env {e['name']}",
                "",
                f"context {e['context']}, namespace {e['namespace']}",
                "",
                e["healthy"],
                text,
            )
        )
    return rows


def _status(output: OutputFormat) -> None:
    report = platform.status.collect(platform.Platform.load())
    if output == OutputFormat.json:
        emit_json(report)
        return
    rows = _rows(report)
    heads = ("COMPONENT", "VERSION", "ADDRESS", "PID")
    widths = [max(len(h), *(len(str(r[i])) for r in rows)) for i, h in enumerate(heads)]
    out = console()
    out.print("  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)) + "  HEALTH")
    for row in rows:
        cells = "  ".join(escape(c.ljust(w)) for c, w in zip(row[:4], widths, strict=True))
        color = {True: "green", False: "red", None: "dim"}[row[4]]
        out.print(f"{cells}  [{color}]{escape(row[5])}[/]")
    out.print(f"kubeconfig: {_short(report['paths']['kubeconfig'])}")
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
