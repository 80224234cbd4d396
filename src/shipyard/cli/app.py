"""``shipyard``: the top-level Typer application; each verb lives in its own module.

Verbs are imported when they are run, not when the program starts: importing all of them
(the engine, the store, the Kubernetes and registry clients, the web server) took most of
a second, paid by every ``shipyard expr`` and ``shipyard --help``. The table below names
each verb's module and its one-line help, which is all ``--help`` needs; a unit test keeps
it equal to what the modules register.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from shipyard import __version__

# verb -> (module defining ``register(app)``, the one-line help of ``shipyard --help``).
# The order is the order in ``--help``.
VERBS: dict[str, tuple[str, str]] = {
    "validate": (
        "shipyard.cli.validate_cmd",
        "Check pipelines: syntax, keys, types, expressions, templates, tasks, dependsOn.",
    ),
    "plan": (
        "shipyard.cli.plan_cmd",
        "Show which pipelines an event runs and, for each, the stages, jobs and steps.",
    ),
    "run": (
        "shipyard.cli.run_cmd",
        "Run a pipeline on this machine for an event; exit code 1 when the run fails.",
    ),
    "logs": (
        "shipyard.cli.run_cmd",
        "A run's log, or one step's, line by line as stored (secrets are masked).",
    ),
    "tests": (
        "shipyard.cli.run_cmd",
        "A run's failing tests with their messages; exit code 1 when any failed.",
    ),
    "runs": ("shipyard.cli.run_cmd", "List runs, show one, resume or cancel one."),
    "expr": (
        "shipyard.cli.expr_cmd",
        "Evaluate an Azure Pipelines expression and print its value and type.",
    ),
    "release": (
        "shipyard.cli.release_cmd",
        "Deploy a release build through QA, the approval and production.",
    ),
    "approve": ("shipyard.cli.release_cmd", "Approve the deploy a run waits for."),
    "reject": ("shipyard.cli.release_cmd", "Reject the deploy a run waits for."),
    "approvals": (
        "shipyard.cli.release_cmd",
        "Approvals waiting for an answer, with what each is bound to.",
    ),
    "releases": (
        "shipyard.cli.history_cmd",
        "What versions of a service run where (each version is its own helm release).",
    ),
    "history": (
        "shipyard.cli.history_cmd",
        "Every deploy, rollback and retirement of a service in an environment.",
    ),
    "rollback": (
        "shipyard.cli.history_cmd",
        "Roll a release back through helm (``helm rollback --wait``) and record it.",
    ),
    "retire": (
        "shipyard.cli.history_cmd",
        "Remove one version running side by side (``helm uninstall``); recorded.",
    ),
    "ledger": (
        "shipyard.cli.history_cmd",
        "One version's story: commit, digests, SBOM and scan, tests, approvals, deploys.",
    ),
    "dora": (
        "shipyard.cli.history_cmd",
        "The four DORA figures from the deployment ledger (production).",
    ),
    "demo": (
        "shipyard.cli.demo_cmd",
        "Run Shipyard's flow on the example monorepo (the README's main job).",
    ),
    "platform": (
        "shipyard.cli.platform_cmd",
        "The embedded local platform: an OCI registry, base images, Helm and two Kubernetes "
        "clusters.",
    ),
    "scan": (
        "shipyard.cli.scan_cmd",
        "Scan an image for known vulnerabilities and decide the gate (fails closed).",
    ),
    "advisories": (
        "shipyard.cli.scan_cmd",
        "The advisory data the scan gate matches against: OSV records, imported, validated "
        "and checksummed.",
    ),
    "serve": (
        "shipyard.cli.serve_cmd",
        "Serve webhooks and the REST API, and run what they start.",
    ),
    "worker": (
        "shipyard.cli.worker_cmd",
        'Run jobs dispatched by the Temporal executor (executor.kind = "temporal").',
    ),
    "repo": ("shipyard.cli.repo_cmd", "Git remotes served by Shipyard: a push runs pipelines."),
    "token": ("shipyard.cli.token_cmd", "API tokens of the server: create, list, revoke."),
    "pr": (
        "shipyard.cli.pr_cmd",
        "Pull requests on the server: open, show with policy checks, vote, complete.",
    ),
}


class _Listed(typer.core.TyperCommand):
    """A verb as ``--help`` lists it: its name and one line, without its module."""


def load_module_commands(module: str) -> dict[str, Any]:
    """Every command a verb module registers, by name (Click command objects)."""
    sub = typer.Typer()
    importlib.import_module(module).register(sub)
    return dict(typer.main.get_group(sub).commands)


class LazyGroup(TyperGroup):
    """Lists verbs from the table; imports a verb's module only to run it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (_, short) in VERBS.items():
            self.commands[name] = _Listed(name=name, help=short, short_help=short)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[Any, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Listed) and name is not None:
            command = load_module_commands(VERBS[name][0])[name]
            self.commands[name] = command
        return name, command, rest


app = typer.Typer(
    name="shipyard",
    cls=LazyGroup,
    rich_markup_mode=None,
    help=(
        "Shipyard: CI/CD for microservice monorepos on Kubernetes.\n\n"
        "Pipelines are written in the Azure Pipelines YAML dialect, one per service. "
        "Start with `shipyard validate` in your repository, then `shipyard plan` to see "
        "what an event (push, pull request, new branch, tag) would run."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shipyard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Shipyard: CI/CD for microservice monorepos on Kubernetes."""


def main() -> None:
    app()
