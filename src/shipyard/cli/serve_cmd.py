"""``shipyard serve``: the server (webhooks, REST API) with its run engine, on loopback."""

from __future__ import annotations

import typer

from shipyard.cli.errors import guarded
from shipyard.cli.output import console


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        host: str = typer.Option(
            "127.0.0.1", "--host", help="Address to listen on (loopback unless you say otherwise)"
        ),
        port: int = typer.Option(
            0, "--port", help="Port (default: the setting server.port, 8470)", min=0, max=65535
        ),
    ) -> None:
        """Serve webhooks and the REST API, and run what they start.

        Git providers post to /hooks/github, /hooks/gitlab or /hooks/azure: each delivery is
        verified with the provider's secret (settings server.github_secret, ...; a provider
        without one is refused), stored, answered within milliseconds, then planned and run
        against the local repository that server.repositories maps its repository name to.
        The API and its OpenAPI document are under /api (docs at /api/docs).

        Examples:

          SHIPYARD_SERVER_GITHUB_SECRET=... \\
          SHIPYARD_SERVER_REPOSITORIES=fabrikam=/srv/git/fabrikam.git shipyard serve

          curl -s http://127.0.0.1:8470/api/runs | jq '.[0]'
        """

        def body() -> None:
            from shipyard.platform import settings
            from shipyard.server.serving import serve

            chosen = port or settings.load().server.port
            serve(host, chosen, lambda line: console().print(line, highlight=False))

        guarded(body, False)
