"""The node's certificates: least-privilege identities, signed by the cluster CA, reused."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shipyard.platform.node import pki
from tests.unit.platform.node.conftest import write_ca

SPECS = pki.node_certs("shipyard-node", "192.0.2.7")


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_identities_are_a_node_and_kube_proxy_not_an_admin(
    tmp_path: Path, ca: tuple[Path, Path]
) -> None:
    out = tmp_path / "pki"
    assert pki.ensure(out, *ca, SPECS) is True
    client = _cert(out / "kubelet-client.crt")
    assert client.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "system:node:shipyard-node"
    )
    assert client.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "system:nodes"
    )
    assert client.issuer == _cert(ca[0]).subject
    usage = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    proxy = _cert(out / "kube-proxy.crt")
    assert proxy.subject.rfc4514_string() == "CN=system:kube-proxy"
    serving = _cert(out / "kubelet-serving.crt")
    names = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["192.0.2.7"]
    assert (out / "kubelet-client.key").stat().st_mode & 0o077 == 0


def test_current_certificates_are_kept_and_a_new_ca_or_address_reissues(
    tmp_path: Path, ca: tuple[Path, Path]
) -> None:
    out = tmp_path / "pki"
    pki.ensure(out, *ca, SPECS)
    first = (out / "kubelet-client.crt").read_bytes()
    assert pki.ensure(out, *ca, SPECS) is False
    assert (out / "kubelet-client.crt").read_bytes() == first
    moved = pki.node_certs("shipyard-node", "192.0.2.8")
    assert pki.ensure(out, *ca, moved) is True
    recreated = write_ca(tmp_path / "new-cluster")
    assert pki.ensure(out, *recreated, moved) is True
    assert _cert(out / "kube-proxy.crt").issuer == _cert(recreated[0]).subject
