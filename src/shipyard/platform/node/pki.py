"""The real node's certificates, signed by the cluster's own CA.

kwokctl generates each cluster's CA and one certificate it uses for everything (the API
server's serving certificate and the admin's client certificate, ``system:masters``). A
real node must not run with cluster-admin rights, so Shipyard signs three certificates of
its own with that CA:

- the kubelet's client certificate, ``system:node:shipyard-node`` in ``system:nodes``: the
  Node authorizer then lets it read and write only what concerns its own node and pods;
- the kubelet's serving certificate for the node's address (the API server connects to it
  for ``kubectl logs`` and ``exec``);
- kube-proxy's client certificate, ``system:kube-proxy``, which the built-in
  ``system:node-proxier`` binding already grants what kube-proxy reads.

They are written once and reused while they are valid for more than 30 days, were signed
by the current CA (a recreated cluster has a new one) and name the current node address.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = timedelta(days=365)
RENEW_BEFORE = timedelta(days=30)
_MARK = "issued.json"


@dataclass(frozen=True, slots=True)
class CertSpec:
    name: str  # file stem: NAME.crt, NAME.key
    common_name: str
    organization: str = ""
    server: bool = False
    ip: str = ""
    dns: str = ""


def node_certs(node_name: str, node_ip: str) -> tuple[CertSpec, ...]:
    return (
        CertSpec("kubelet-client", f"system:node:{node_name}", organization="system:nodes"),
        CertSpec("kubelet-serving", node_name, server=True, ip=node_ip, dns=node_name),
        CertSpec("kube-proxy", "system:kube-proxy"),
    )


def _fingerprint(pem: bytes) -> str:
    return hashlib.sha256(pem).hexdigest()


def current(pki: Path, ca_pem: bytes, specs: tuple[CertSpec, ...]) -> bool:
    """True when every certificate exists, comes from this CA and is not about to expire."""
    try:
        mark = json.loads((pki / _MARK).read_text())
    except (OSError, ValueError):
        return False
    wanted = {"ca": _fingerprint(ca_pem), "specs": [s.__repr__() for s in specs]}
    if {k: mark.get(k) for k in wanted} != wanted:
        return False
    for spec in specs:
        try:
            cert = x509.load_pem_x509_certificate((pki / f"{spec.name}.crt").read_bytes())
        except (OSError, ValueError):
            return False
        if cert.not_valid_after_utc - datetime.now(UTC) < RENEW_BEFORE:
            return False
        if not (pki / f"{spec.name}.key").is_file():
            return False
    return True


def _load_ca(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    with warnings.catch_warnings():
        # kwokctl's CA may carry a negative serial number (Go's x509 accepts it); cryptography
        # still loads it, with a deprecation warning that is not ours to act on.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):  # kwokctl's CA is RSA
        raise ValueError(f"{key_path}: expected an RSA key")
    return cert, key


def _issue(spec: CertSpec, ca: x509.Certificate, ca_key: rsa.RSAPrivateKey) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.COMMON_NAME, spec.common_name)]
    if spec.organization:
        names.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, spec.organization))
    now = datetime.now(UTC)
    usage = ExtendedKeyUsageOID.SERVER_AUTH if spec.server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(names))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    alt: list[x509.GeneralName] = []
    if spec.dns:
        alt.append(x509.DNSName(spec.dns))
    if spec.ip:
        alt.append(x509.IPAddress(ipaddress.ip_address(spec.ip)))
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def ensure(pki: Path, ca_cert: Path, ca_key: Path, specs: tuple[CertSpec, ...]) -> bool:
    """Write the certificates unless they are current; True if any was (re)issued."""
    ca_pem = ca_cert.read_bytes()
    if current(pki, ca_pem, specs):
        return False
    ca, key = _load_ca(ca_cert, ca_key)
    pki.mkdir(parents=True, exist_ok=True)
    pki.chmod(0o700)
    for spec in specs:
        cert_pem, key_pem = _issue(spec, ca, key)
        key_file = pki / f"{spec.name}.key"
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        (pki / f"{spec.name}.crt").write_bytes(cert_pem)
    mark = {"ca": _fingerprint(ca_pem), "specs": [s.__repr__() for s in specs]}
    (pki / _MARK).write_text(json.dumps(mark, indent=2) + "\n")
    return True
