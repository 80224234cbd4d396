"""The token service: tokens distribution accepts, scoped by role; wrong passwords get 401."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import jwt
import pytest
import uvicorn
from cryptography import x509

from shipyard.adapters.registry_tokens import (
    Identity,
    TokenIssuer,
    Unauthorized,
    key_id,
    password_hash,
    write_signing_key,
)
from shipyard.adapters.token_server import create_app
from shipyard.domain.registry_access import BUILD, PROMOTION, parse_scopes

PASSWORD = "correct horse"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    write_signing_key(d / "k.pem", d / "c.pem", "shipyard")
    return d / "k.pem", d / "c.pem"


@pytest.fixture
def issuer(keys: tuple[Path, Path]) -> TokenIssuer:
    return TokenIssuer(
        key_pem=keys[0].read_bytes(),
        issuer="shipyard",
        service="shipyard-registry",
        identities={
            "ci": Identity("ci", BUILD, password_hash(PASSWORD)),
            "promoter": Identity("promoter", PROMOTION, password_hash(PASSWORD)),
        },
    )


def decode(token: str, cert: Path) -> dict[str, object]:
    public = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    return jwt.decode(token, public, algorithms=["RS256"], audience="shipyard-registry")  # type: ignore[arg-type]


def test_the_key_stays_private(keys: tuple[Path, Path]) -> None:
    assert keys[0].stat().st_mode & 0o777 == 0o600


def test_a_token_names_the_key_the_libtrust_way(
    issuer: TokenIssuer, keys: tuple[Path, Path]
) -> None:
    body = issuer.issue(issuer.authenticate("ci", PASSWORD), [])
    token = str(body["token"])
    public = x509.load_pem_x509_certificate(keys[1].read_bytes()).public_key()
    kid = jwt.get_unverified_header(token)["kid"]
    assert kid == key_id(public)  # type: ignore[arg-type]
    groups = kid.split(":")
    assert len(groups) == 12 and all(len(g) == 4 for g in groups)


def test_a_build_token_grants_pull_only_on_prod(
    issuer: TokenIssuer, keys: tuple[Path, Path]
) -> None:
    scopes = parse_scopes(["repository:prod/delivery:pull,push repository:staging/delivery:push"])
    claims = decode(
        str(issuer.issue(issuer.authenticate("ci", PASSWORD), scopes)["token"]), keys[1]
    )
    assert claims["sub"] == "ci" and claims["iss"] == "shipyard"
    assert claims["access"] == [
        {"type": "repository", "name": "prod/delivery", "actions": ["pull"]},
        {"type": "repository", "name": "staging/delivery", "actions": ["push"]},
    ]
    assert int(claims["exp"]) > int(claims["iat"])  # type: ignore[call-overload]


def test_wrong_credentials_never_become_anonymous(issuer: TokenIssuer) -> None:
    with pytest.raises(Unauthorized):
        issuer.authenticate("ci", "wrong")
    with pytest.raises(Unauthorized):
        issuer.authenticate("nobody", PASSWORD)
    assert issuer.authenticate(None, None) is None


@pytest.fixture
def server(issuer: TokenIssuer) -> Iterator[str]:
    config = uvicorn.Config(create_app(issuer), host="127.0.0.1", port=0, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.01)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(5)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_the_endpoint_answers_as_distribution_asks(server: str, keys: tuple[Path, Path]) -> None:
    params = {"service": "shipyard-registry", "scope": "repository:prod/app:pull,push"}
    resp = httpx2.get(f"{server}/token", params=params, headers=basic("promoter", PASSWORD))
    assert resp.status_code == 200
    access = decode(resp.json()["token"], keys[1])["access"]
    assert access == [{"type": "repository", "name": "prod/app", "actions": ["pull", "push"]}]
    anonymous = httpx2.get(f"{server}/token", params=params)
    assert decode(anonymous.json()["token"], keys[1])["access"] == [
        {"type": "repository", "name": "prod/app", "actions": ["pull"]}
    ]


def test_the_endpoint_refuses_wrong_passwords_and_other_services(server: str) -> None:
    wrong = httpx2.get(f"{server}/token", headers=basic("ci", "nope"))
    assert wrong.status_code == 401 and "token" not in wrong.json()
    other = httpx2.get(f"{server}/token", params={"service": "someone-else"})
    assert other.status_code == 400
