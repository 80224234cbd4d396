"""``shipyard token create | list | revoke``: API tokens of the server, kept in the store.

This is how the first admin gets a token (``shipyard serve`` also makes one when the store
has no user at all, and says where it put it); afterwards admins can use the API too.
"""

from __future__ import annotations

import typer

from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.plan_cmd import UsageProblem

OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text or json")


def register(app: typer.Typer) -> None:
    token = typer.Typer(help="API tokens of the server: create, list, revoke.")
    app.add_typer(token, name="token")

    @token.command("create")
    def create_cmd(
        user: str = typer.Option(..., "--user", help="Who the token belongs to"),
        role: str = typer.Option(
            "viewer",
            "--role",
            help="viewer, contributor, approver, release-manager or admin (each can do what "
            "the one before it can)",
        ),
        label: str = typer.Option("", "--label", help="What the token is for (shown in list)"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Make a token; it is printed once and only its SHA-256 is stored.

        Examples:

          shipyard token create --user rita --role approver

          curl -H "Authorization: Bearer $(shipyard token create --user ci --role contributor
          -o json | jq -r .token)" http://127.0.0.1:8470/api/runs
        """
        as_json = output is OutputFormat.json

        def body() -> None:
            import re

            from shipyard.domain.access import ROLE_NAMES, Role
            from shipyard.store import open_store
            from shipyard.store.access import Access

            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}", user):
                raise UsageProblem(
                    f"--user: {user!r} is not a user name",
                    hint="a letter or digit, then letters, digits, _ . @ -",
                )
            try:
                chosen = Role.parse(role)
            except ValueError:
                raise UsageProblem(
                    f"--role: unknown role {role!r}", hint=f"roles: {', '.join(ROLE_NAMES)}"
                ) from None
            access = Access(open_store().engine)
            token_id, made = access.create_token(user, chosen, label)
            access.audit("cli", "token.create", user, role=chosen.label, token_id=token_id)
            if as_json:
                emit_json({"id": token_id, "user": user, "role": chosen.label, "token": made})
                return
            out = console()
            out.print(f"token {token_id} for {user} ({chosen.label}); shown only now:")
            out.print(made, highlight=False)

        guarded(body, as_json)

    @token.command("list")
    def list_cmd(output: OutputFormat = OUTPUT) -> None:
        """Every token with its user, role and state (never the token itself)."""
        as_json = output is OutputFormat.json

        def body() -> None:
            from shipyard.store import open_store
            from shipyard.store.access import Access

            found = Access(open_store().engine).tokens()
            if as_json:
                emit_json([t.as_json() for t in found])
                return
            out = console()
            for t in found:
                state = "revoked" if t.revoked_at else "active"
                out.print(f"{t.id:>4}  {t.user:<20} {t.role:<16} {state:<8} {t.label}")
            if not found:
                out.print("no tokens yet: shipyard token create --user NAME --role admin")

        guarded(body, as_json)

    @token.command("revoke")
    def revoke_cmd(
        token_id: int = typer.Argument(..., help="The token's id (shipyard token list)"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Revoke a token: it stops working at once."""
        as_json = output is OutputFormat.json

        def body() -> None:
            from shipyard.store import open_store
            from shipyard.store.access import Access

            access = Access(open_store().engine)
            info = access.revoke(token_id)
            if info is None:
                raise UsageProblem(f"token {token_id} does not exist", hint="shipyard token list")
            access.audit("cli", "token.revoke", info.user, token_id=token_id)
            if as_json:
                emit_json(info.as_json())
            else:
                console().print(f"token {token_id} of {info.user} is revoked")

        guarded(body, as_json)
