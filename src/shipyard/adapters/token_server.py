"""The token endpoint of the embedded registry (``realm`` in its ``auth: token`` config).

A client that the registry answers 401 asks here, with Basic credentials or none, for a
token scoped to the repositories it wants: ``GET /token?service=S&scope=repository:N:pull,push``.
The answer is always a token (possibly granting fewer actions than asked, which the registry
then refuses with "denied"), except for wrong credentials, which get 401: a typo in a password
must not quietly become an anonymous, pull-only session.

Run as its own process beside the registry (``python -m shipyard.adapters.token_server
CONFIG``), started and watched by ``shipyard platform up`` like the registry itself, on
loopback only. It reads its identities (names, roles, password hashes) from CONFIG, written
by the platform with mode 0600.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from pathlib import Path
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Header, Query, Response
from fastapi.responses import JSONResponse

from shipyard.adapters.registry_tokens import Identity, TokenIssuer, Unauthorized
from shipyard.domain.registry_access import parse_scopes


def _basic(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, password


def create_app(issuer: TokenIssuer) -> FastAPI:
    app = FastAPI(title="Shipyard registry token service", docs_url=None, redoc_url=None)

    @app.get("/token")
    def token(
        scope: Annotated[list[str] | None, Query()] = None,
        service: str = "",
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        if service and service != issuer.service:
            return JSONResponse({"error": f"unknown service {service!r}"}, status_code=400)
        user, password = _basic(authorization)
        try:
            identity = issuer.authenticate(user, password)
        except Unauthorized:
            return JSONResponse(
                {"error": "wrong user name or password"},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="shipyard-registry"'},
            )
        return JSONResponse(issuer.issue(identity, parse_scopes(scope or [])))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def load(config: Path) -> tuple[TokenIssuer, str, int]:
    data = json.loads(config.read_text())
    issuer = TokenIssuer(
        key_pem=Path(data["key"]).read_bytes(),
        issuer=data["issuer"],
        service=data["service"],
        identities={
            i["name"]: Identity(i["name"], i["role"], i["hash"]) for i in data["identities"]
        },
        anonymous_pull=bool(data.get("anonymous_pull", True)),
        ttl=int(data.get("ttl", 300)),
    )
    return issuer, str(data["host"]), int(data["port"])


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m shipyard.adapters.token_server CONFIG.json", file=sys.stderr)
        return 2
    issuer, host, port = load(Path(argv[0]))
    uvicorn.run(create_app(issuer), host=host, port=port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
