"""Advisory data imported into a temporary directory, and a stand-in image archive."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.scan import import_advisories
from tests.unit.scan.fakes import NOW, record, write_records


@pytest.fixture
def records_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    write_records(
        folder / "PyPI",
        record(
            "GHSA-q2q7-5pp4-w6pg",
            "urllib3",
            "1.26.5",
            introduced="1.25.4",
            label="HIGH",
            vector=("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
            aliases=("CVE-2021-33503",),
        ),
        record("GHSA-mq26-g339-26xf", "pip", "23.3", label="MODERATE"),
    )
    write_records(
        folder / "Debian",
        record("SHIPYARD-SYNTHETIC-DEBIAN-0001", "apt", "2.6.2", ecosystem="Debian:12"),
    )
    return folder


@pytest.fixture
def adv(tmp_path: Path, records_dir: Path) -> Path:
    target = tmp_path / "advisories"
    import_advisories([records_dir], target, now=NOW)
    return target


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "image.tar"
    path.write_bytes(b"docker-archive")
    return path
