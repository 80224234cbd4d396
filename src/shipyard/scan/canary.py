"""The canary: a package Shipyard knows is vulnerable, so a silent matcher cannot pass.

Every import adds one synthetic record per ecosystem (``SHIPYARD-SYNTHETIC-CANARY-PYPI``,
affecting ``shipyard-synthetic-canary`` before 1.0.1), and every scan first scans a tiny
image that contains ``shipyard-synthetic-canary 1.0.0`` for each ecosystem in play, with the
same osv-scanner binary, the same subcommand (``scan image --archive``), the same flags and
the same advisory directory as the real scan. If the canary's finding does not come back,
something between extraction, the ecosystem's zip and the matcher is broken, and the gate
refuses rather than reporting "no issues".

The canary image is a docker-archive written here, byte for byte the same each time (fixed
mtimes, sorted members): a layer with ``/etc/os-release`` (Debian 12) and, per ecosystem,
the file the scanner's extractor reads: ``/var/lib/dpkg/status`` for Debian, a
``.dist-info/METADATA`` for PyPI. Ecosystems without such a recipe cannot be proven and are
refused by the gate unless the policy skips them.

Canary records carry a real range (``introduced 0``, ``fixed 1.0.1``) rather than an exact
version list, so that range comparison itself is exercised.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

PACKAGE = "shipyard-synthetic-canary"
VERSION = "1.0.0"
FIXED = "1.0.1"
MODIFIED = "2026-01-01T00:00:00Z"

_OS_RELEASE = (
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
    'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
)
_DPKG_STATUS = (
    f"Package: {PACKAGE}\nStatus: install ok installed\nPriority: optional\nSection: misc\n"
    "Maintainer: Shipyard <canary@shipyard.invalid>\nArchitecture: all\n"
    f"Version: {VERSION}\nDescription: synthetic package that Shipyard's scan gate must flag\n\n"
)
_PY_METADATA = f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {VERSION}\n"

# ecosystem -> files of the canary image that make the scanner find the canary package
RECIPES: dict[str, dict[str, str]] = {
    "Debian": {"var/lib/dpkg/status": _DPKG_STATUS},
    "PyPI": {
        f"usr/lib/python3/dist-packages/{PACKAGE.replace('-', '_')}-{VERSION}.dist-info/METADATA": (
            _PY_METADATA
        )
    },
}


def canary_id(ecosystem: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in ecosystem.upper())
    return f"SHIPYARD-SYNTHETIC-CANARY-{slug}"


def is_canary(advisory_id: str) -> bool:
    return advisory_id.startswith("SHIPYARD-SYNTHETIC-CANARY-")


def canary_record(ecosystem: str) -> dict[str, Any]:
    """The synthetic OSV record staged into ``ecosystem``'s zip at every import."""
    return {
        "schema_version": "1.6.0",
        "id": canary_id(ecosystem),
        "modified": MODIFIED,
        "published": MODIFIED,
        "summary": "Shipyard canary: synthetic advisory that every scan must find",
        "details": (
            "Added by `shipyard advisories import`. Each scan checks that the scanner reports "
            "this advisory for a synthetic package; if it does not, the scan is refused."
        ),
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": PACKAGE},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": FIXED}]}
                ],
            }
        ],
        "database_specific": {"shipyard": "canary"},
    }


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    info.uname = info.gname = "root"
    return info, io.BytesIO(data)


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            tar.addfile(*_member(name, files[name]))
    return buf.getvalue()


def write_canary_image(ecosystems: list[str], dest: Path) -> list[str]:
    """Write a docker-archive holding the canary package of each ecosystem that has a recipe.

    Returns the ecosystems it covers (those of ``ecosystems`` with a recipe, sorted).
    """
    covered = sorted(e for e in set(ecosystems) if e in RECIPES)
    files = {"etc/os-release": _OS_RELEASE.encode()}
    for eco in covered:
        files.update({path: text.encode() for path, text in RECIPES[eco].items()})
    layer = _tar(files)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created_by": "shipyard scan canary"}],
        },
        sort_keys=True,
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": ["shipyard/canary:1"], "Layers": ["layer.tar"]}]
    ).encode()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(_tar({config_name: config, "layer.tar": layer, "manifest.json": manifest}))
    return covered
