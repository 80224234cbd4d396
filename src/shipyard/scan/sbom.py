"""What an SBOM says is in the image, reduced to the question the gate asks: which ecosystems?

syft writes the SBOM (CycloneDX JSON by default, SPDX JSON on request); each package carries
a package URL (purl, ``pkg:deb/debian/apt@2.6.1?distro=debian-12``). The purl type, and for
OS packages its namespace, names the OSV ecosystem whose advisories apply. The gate refuses
to pass an image whose ecosystems have no advisory data, so this mapping decides what
"in scope" means; purl types with no OSV ecosystem (``generic``, ``github``) are reported as
unmatched rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

_LANGUAGE = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "maven": "Maven",
    "gem": "RubyGems",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "conan": "ConanCenter",
    "cran": "CRAN",
    "hackage": "Hackage",
    "swift": "SwiftURL",
}
_OS = {
    ("deb", "debian"): "Debian",
    ("deb", "ubuntu"): "Ubuntu",
    ("apk", "alpine"): "Alpine",
    ("apk", "wolfi"): "Wolfi",
    ("apk", "chainguard"): "Chainguard",
    ("rpm", "redhat"): "Red Hat",
    ("rpm", "rocky"): "Rocky Linux",
    ("rpm", "almalinux"): "AlmaLinux",
    ("rpm", "opensuse"): "openSUSE",
    ("rpm", "suse"): "SUSE",
}

# Every base ecosystem the gate can name; osv-scanner's own "GIT" (packages known by commit).
KNOWN_ECOSYSTEMS = frozenset({*_LANGUAGE.values(), *_OS.values(), "GIT"})


@dataclass(frozen=True, slots=True)
class Purl:
    type: str
    namespace: str
    name: str
    version: str
    qualifiers: Mapping[str, str] = field(default_factory=dict)


def parse_purl(text: str) -> Purl | None:
    """A package URL's parts, or None when ``text`` is not a purl."""
    if not text.startswith("pkg:"):
        return None
    rest = text[4:].split("#", 1)[0]
    rest, _, query = rest.partition("?")
    qualifiers = {}
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        qualifiers[key.lower()] = unquote(value)
    rest, _, version = rest.partition("@")
    parts = [unquote(p) for p in rest.strip("/").split("/")]
    if len(parts) < 2:
        return None
    return Purl(parts[0].lower(), "/".join(parts[1:-1]), parts[-1], unquote(version), qualifiers)


def ecosystem_of(purl: Purl) -> str | None:
    """The OSV base ecosystem for a purl (``Debian``, ``PyPI``), or None when there is none."""
    if purl.type in _LANGUAGE:
        return _LANGUAGE[purl.type]
    return _OS.get((purl.type, purl.namespace.lower()))


def _purls(document: Mapping[str, Any]) -> Iterator[str]:
    if "bomFormat" in document or "components" in document:  # CycloneDX
        stack = list(document.get("components") or ())
        while stack:
            comp = stack.pop()
            if isinstance(comp, dict):
                if isinstance(comp.get("purl"), str):
                    yield comp["purl"]
                stack.extend(comp.get("components") or ())
        return
    for pkg in document.get("packages") or ():  # SPDX JSON
        for ref in pkg.get("externalRefs") or ():
            if ref.get("referenceType") == "purl" and isinstance(ref.get("referenceLocator"), str):
                yield ref["referenceLocator"]


@dataclass(slots=True)
class SbomSummary:
    packages: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # eco -> (name, ver)
    unmatched: dict[str, int] = field(default_factory=dict)  # purl type -> count

    @property
    def ecosystems(self) -> set[str]:
        return set(self.packages)

    def as_json(self) -> dict[str, Any]:
        return {
            "packages": {eco: len(pkgs) for eco, pkgs in sorted(self.packages.items())},
            "unmatched_purl_types": dict(sorted(self.unmatched.items())),
        }


def summarise(document: Mapping[str, Any]) -> SbomSummary:
    """Packages per OSV ecosystem in a CycloneDX or SPDX JSON document."""
    out = SbomSummary()
    for text in _purls(document):
        purl = parse_purl(text)
        if purl is None:
            continue
        eco = ecosystem_of(purl)
        if eco is None:
            out.unmatched[purl.type] = out.unmatched.get(purl.type, 0) + 1
        else:
            out.packages.setdefault(eco, set()).add((purl.name, purl.version))
    return out
