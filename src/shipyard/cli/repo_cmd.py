"""``shipyard repo create | list``: Shipyard's own git remotes, whose pushes run pipelines."""

from __future__ import annotations

import typer

from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.plan_cmd import UsageProblem

OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text or json")


def register(app: typer.Typer) -> None:
    repo = typer.Typer(help="Git remotes served by Shipyard: a push runs pipelines.")
    app.add_typer(repo, name="repo")

    @repo.command("create")
    def create_cmd(
        name: str = typer.Argument(..., help="The repository's name (letters, digits, . _ -)"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Make a bare repository whose pushes become runs (with `shipyard serve` running).

        Examples:

          shipyard repo create fabrikam

          git remote add shipyard "$(shipyard repo create fabrikam -o json | jq -r .path)"

          git push shipyard main release/delivery/v1.0.2
        """
        as_json = output is OutputFormat.json

        def body() -> None:
            from shipyard.adapters.git_remote import create_bare, valid_name
            from shipyard.server.app import git_root

            if not valid_name(name):
                raise UsageProblem(
                    f"{name!r} is not a repository name",
                    hint="letters, digits, '.', '_' and '-', starting with a letter or digit",
                )
            path = create_bare(git_root(), name)
            if as_json:
                emit_json({"name": name, "path": str(path)})
                return
            out = console()
            out.print(f"repository {name}: {path}")
            out.print(f"  git remote add shipyard {path}")
            out.print("  git push shipyard main   # runs what the push triggers (shipyard serve)")

        guarded(body, as_json)

    @repo.command("list")
    def list_cmd(output: OutputFormat = OUTPUT) -> None:
        """The repositories Shipyard serves, with their paths."""
        as_json = output is OutputFormat.json

        def body() -> None:
            from shipyard.adapters.git_remote import bare_repositories
            from shipyard.server.app import git_root

            found = bare_repositories(git_root())
            if as_json:
                emit_json([{"name": n, "path": str(p)} for n, p in found.items()])
                return
            for n, p in found.items():
                console().print(f"{n}  {p}")
            if not found:
                console().print("no repositories yet (shipyard repo create NAME)")

        guarded(body, as_json)
