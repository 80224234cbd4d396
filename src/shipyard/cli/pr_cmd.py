"""``shipyard pr open | list | show | vote | complete | abandon``: pull requests on the server.

A client of ``shipyard serve``'s API (:mod:`shipyard.adapters.server_client`), acting as the
token's user: the author is who opens, the reviewer who votes, and the branch policy of the
target decides whether ``complete`` merges.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import typer
from rich.markup import escape

from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json

OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text or json")
SERVER = typer.Option("", "--server", help="The server (default $SHIPYARD_SERVER or :8470)")
TOKEN = typer.Option("", "--token", help="API token (default $SHIPYARD_TOKEN)")
MARK = {"ok": "[green]✓[/]", "pending": "[yellow]…[/]", "failed": "[red]✗[/]"}


def _client(server: str, token: str) -> Any:
    from shipyard.adapters.server_client import ServerClient

    url = server or os.environ.get("SHIPYARD_SERVER", "") or "http://127.0.0.1:8470"
    return ServerClient(url, token or os.environ.get("SHIPYARD_TOKEN", ""))


def _ask(
    server: str,
    token: str,
    output: OutputFormat,
    request: tuple[str, str, dict[str, Any] | None],
    text: Callable[[Any], None],
) -> None:
    """One API call as a verb: JSON as answered, or ``text`` of it; errors as messages."""
    as_json = output is OutputFormat.json

    def body() -> None:
        method, path, payload = request
        answer = _client(server, token).call(method, path, payload)
        emit_json(answer) if as_json else text(answer)

    guarded(body, as_json)


def show(pr: dict[str, Any]) -> None:
    out = console()
    out.print(
        f"pull request {pr['id']}: {escape(pr['title'])} ({escape(pr['source'])} -> "
        f"{escape(pr['target'])}, by {escape(pr['author'])}): {pr['status']}"
    )
    if pr.get("status") == "active":
        out.print(f"  policy: {escape(pr['policy'])}")
        for c in pr.get("checks", []):
            out.print(f"  {MARK.get(c['state'], '?')} {escape(c['name'])}: {escape(c['detail'])}")
        word = "can merge" if pr.get("mergeable") else "cannot merge yet"
        out.print(f"  {word}: shipyard pr complete {pr['id']}")


def register(app: typer.Typer) -> None:
    pr = typer.Typer(
        help="Pull requests on the server: open, show with policy checks, vote, complete."
    )
    app.add_typer(pr, name="pr")

    @pr.command("open")
    def open_cmd(
        repository: str = typer.Option(..., "--repo", help="The repository's name"),
        source: str = typer.Option(..., "--source", help="The branch to merge"),
        target: str = typer.Option("main", "--target", help="The branch it goes into"),
        title: str = typer.Option(..., "--title", help="What the change does"),
        server: str = SERVER,
        token: str = TOKEN,
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Open a pull request: the merge of source into target is built at once.

        Example:

          shipyard pr open --repo fabrikam --source feature/retry --title "Retry uploads"
        """
        made = {"repository": repository, "source": source, "target": target, "title": title}
        _ask(server, token, output, ("POST", "/api/pulls", made), show)

    @pr.command("list")
    def list_cmd(
        status: str = typer.Option("", "--status", help="active, completed or abandoned"),
        server: str = SERVER,
        token: str = TOKEN,
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Pull requests, newest first."""
        query = f"?status={status}" if status else ""

        def lines(found: Any) -> None:
            for p in found:
                console().print(
                    f"{p['id']:>4}  {p['status']:<10} {escape(p['source'])} -> "
                    f"{escape(p['target'])}  {escape(p['title'])}"
                )

        _ask(server, token, output, ("GET", f"/api/pulls{query}", None), lines)

    @pr.command("show")
    def show_cmd(
        pr_id: int = typer.Argument(...),
        server: str = SERVER,
        token: str = TOKEN,
        output: OutputFormat = OUTPUT,
    ) -> None:
        """A pull request with each policy check and why it holds or not."""
        _ask(server, token, output, ("GET", f"/api/pulls/{pr_id}", None), show)

    @pr.command("vote")
    def vote_cmd(
        pr_id: int = typer.Argument(...),
        reject: bool = typer.Option(False, "--reject", help="Reject instead of approving"),
        comment: str = typer.Option("", "--comment"),
        server: str = SERVER,
        token: str = TOKEN,
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Approve (or --reject) the pull request's current source commit as the token's user."""
        vote = {"approve": not reject, "comment": comment}
        _ask(server, token, output, ("POST", f"/api/pulls/{pr_id}/votes", vote), show)

    @pr.command("complete")
    def complete_cmd(
        pr_id: int = typer.Argument(...),
        override: str = typer.Option(
            "", "--override", help="Admins: merge despite failing checks, for this reason"
        ),
        server: str = SERVER,
        token: str = TOKEN,
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Merge into the target, only when every policy check holds (says which does not)."""
        _ask(
            server,
            token,
            output,
            ("POST", f"/api/pulls/{pr_id}/complete", {"override": override}),
            lambda done: console().print(
                f"pull request {pr_id} merged as {done['merged_sha'][:12]}"
            ),
        )

    @pr.command("abandon")
    def abandon_cmd(
        pr_id: int = typer.Argument(...),
        server: str = SERVER,
        token: str = TOKEN,
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Close the pull request without merging."""
        _ask(
            server,
            token,
            output,
            ("POST", f"/api/pulls/{pr_id}/abandon", None),
            lambda _: console().print(f"pull request {pr_id} abandoned"),
        )
