"""Tokens for the embedded registry's ``auth: token`` mode: keys, key ids, signed JWTs.

distribution verifies each bearer token against the certificate in its ``rootcertbundle``:
RS256, the ``kid`` header naming the key the libtrust way (SHA-256 of the DER public key,
first 240 bits, base32 without padding, in groups of four joined by ``:``), ``iss`` and ``aud``
equal to its configured issuer and service, and ``access`` listing what the bearer may do.
The key never leaves the state directory (mode 0600); the certificate is public.

Identities are Shipyard's own, with random 256-bit passwords. Such secrets need no slow
hash to resist guessing, so the token server keeps their SHA-256 and compares in constant
time: a token request stays a few milliseconds, which is what a promotion under 100 ms needs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from shipyard.domain import registry_access
from shipyard.domain.registry_access import Scope


def new_password() -> str:
    return secrets.token_urlsafe(32)


def password_hash(password: str) -> str:
    return "sha256:" + hashlib.sha256(password.encode()).hexdigest()


def key_id(public_key: rsa.RSAPublicKey) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    raw = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def write_signing_key(key_path: Path, cert_path: Path, issuer: str) -> None:
    """A new RSA key and its self-signed certificate (ten years: it lives as long as the
    platform's data; ``shipyard platform down --purge`` removes both)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = key_path.with_name(key_path.name + ".tmp")
    tmp.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    tmp.chmod(0o600)
    tmp.replace(key_path)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


class Unauthorized(Exception):
    """Credentials were sent and are wrong: the answer is 401, never an anonymous token."""


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    role: str
    hash: str


@dataclass(slots=True)
class TokenIssuer:
    """Signs tokens for ``service``, granting each identity what its role allows."""

    key_pem: bytes = field(repr=False)
    issuer: str
    service: str
    identities: dict[str, Identity]
    anonymous_pull: bool = True
    ttl: int = 300
    _key: rsa.RSAPrivateKey | None = field(default=None, repr=False)

    def _signing_key(self) -> rsa.RSAPrivateKey:
        if self._key is None:
            key = serialization.load_pem_private_key(self.key_pem, password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("the registry signing key is not an RSA key")
            self._key = key
        return self._key

    def authenticate(self, user: str | None, password: str | None) -> Identity | None:
        """The identity, None for an anonymous request; wrong credentials raise."""
        if user is None:
            return None
        known = self.identities.get(user)
        offered = password_hash(password or "")
        # compare even for an unknown user, so timing says nothing about which names exist
        expected = known.hash if known else password_hash(secrets.token_hex(16))
        if not hmac.compare_digest(offered, expected) or known is None:
            raise Unauthorized(user)
        return known

    def issue(self, identity: Identity | None, scopes: list[Scope]) -> dict[str, object]:
        role = identity.role if identity else registry_access.ANONYMOUS
        access = []
        for scope in scopes:
            actions = registry_access.granted(role, scope, self.anonymous_pull)
            access.append(scope.as_claim(actions))
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": identity.name if identity else "",
            "aud": self.service,
            "exp": now + self.ttl,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        key = self._signing_key()
        token = jwt.encode(
            claims, key, algorithm="RS256", headers={"kid": key_id(key.public_key())}
        )
        issued = datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z")
        return {"token": token, "access_token": token, "expires_in": self.ttl, "issued_at": issued}
