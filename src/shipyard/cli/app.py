"""``shipyard``: the top-level Typer application; each verb lives in its own module."""

from __future__ import annotations

import importlib

import typer

from shipyard import __version__

app = typer.Typer(
    name="shipyard",
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

# Each module defines ``register(app)``; the order is the order in ``--help``.
_COMMAND_MODULES = (
    "shipyard.cli.validate_cmd",
    "shipyard.cli.plan_cmd",
    "shipyard.cli.run_cmd",
    "shipyard.cli.expr_cmd",
    "shipyard.cli.release_cmd",
    "shipyard.cli.history_cmd",
    "shipyard.cli.demo_cmd",
    "shipyard.cli.platform_cmd",
    "shipyard.cli.scan_cmd",
    "shipyard.cli.serve_cmd",
    "shipyard.cli.repo_cmd",
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


for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    app()
