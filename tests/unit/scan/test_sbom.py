"""Package URLs to OSV ecosystems, from CycloneDX and SPDX documents."""

from __future__ import annotations

from shipyard.scan.sbom import ecosystem_of, parse_purl, summarise
from tests.unit.scan.fakes import cdx


def test_purls_parse_with_qualifiers_and_escapes() -> None:
    purl = parse_purl("pkg:deb/debian/libapt-pkg6.0@2.6.1?arch=amd64&upstream=apt&distro=debian-12")
    assert purl is not None
    assert (purl.type, purl.namespace, purl.name, purl.version) == (
        "deb",
        "debian",
        "libapt-pkg6.0",
        "2.6.1",
    )
    assert purl.qualifiers["distro"] == "debian-12"
    scoped = parse_purl("pkg:npm/%40babel/core@7.0.0")
    assert scoped is not None and (scoped.namespace, scoped.name) == ("@babel", "core")
    assert parse_purl("cpe:2.3:a:x") is None
    assert parse_purl("pkg:generic") is None


def test_ecosystems_of_language_and_os_packages() -> None:
    def eco(text: str) -> str | None:
        purl = parse_purl(text)
        assert purl is not None
        return ecosystem_of(purl)

    assert eco("pkg:pypi/urllib3@1.26.4") == "PyPI"
    assert eco("pkg:deb/debian/apt@2.6.1") == "Debian"
    assert eco("pkg:deb/ubuntu/apt@2.4") == "Ubuntu"
    assert eco("pkg:apk/alpine/musl@1.2") == "Alpine"
    assert eco("pkg:golang/github.com/x/y@v1.0.0") == "Go"
    assert eco("pkg:generic/python@3.11.2") is None


def test_cyclonedx_nested_components_are_counted() -> None:
    doc = cdx("pkg:pypi/urllib3@1.26.4", "pkg:generic/python@3.11.2")
    doc["components"][0]["components"] = [{"purl": "pkg:pypi/idna@3.4"}]
    summary = summarise(doc)
    assert summary.packages == {"PyPI": {("urllib3", "1.26.4"), ("idna", "3.4")}}
    assert summary.unmatched == {"generic": 1}
    assert summary.as_json() == {"packages": {"PyPI": 2}, "unmatched_purl_types": {"generic": 1}}


def test_spdx_external_refs_are_read() -> None:
    doc = {
        "spdxVersion": "SPDX-2.3",
        "packages": [
            {
                "externalRefs": [
                    {"referenceType": "purl", "referenceLocator": "pkg:deb/debian/apt@2.6.1"}
                ]
            },
            {"externalRefs": [{"referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a"}]},
        ],
    }
    assert summarise(doc).ecosystems == {"Debian"}
