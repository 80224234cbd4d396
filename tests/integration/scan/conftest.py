"""Real scanners and a small image built with buildah, for the scan gate's integration tests.

The scanners are the pinned builds in the platform's tool cache
(``$XDG_CACHE_HOME/shipyard/tools/{syft/v1.57.1,osv-scanner/v2.5.0}``); tests skip, saying
how to build them, when they are absent. The image is built with buildah from scratch (COPY
only, so no container runtime is needed) in a private vfs storage under the test's
temporary directory, and saved as a docker-archive. It holds what the example advisories
know about: urllib3 1.26.4 as an installed Python distribution (GHSA-q2q7-5pp4-w6pg, HIGH)
and a Debian 12 package database with apt 2.6.1 (the synthetic Debian records).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from shipyard.adapters.osv import OsvScanner
from shipyard.adapters.skopeo import SkopeoArchiver
from shipyard.adapters.syft import SyftSbom
from shipyard.platform.catalog import tool
from shipyard.platform.paths import PlatformPaths
from shipyard.scan import ScanTools

EXAMPLES = Path(__file__).parents[3] / "examples" / "advisories"

DPKG_STATUS = """\
Package: apt
Status: install ok installed
Priority: important
Section: admin
Maintainer: APT Development Team <deity@lists.debian.org>
Architecture: amd64
Version: 2.6.1
Description: commandline package manager

Package: libapt-pkg6.0
Status: install ok installed
Priority: important
Section: libs
Maintainer: APT Development Team <deity@lists.debian.org>
Architecture: amd64
Source: apt
Version: 2.6.1
Description: package management runtime library

"""
OS_RELEASE = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""
METADATA = "Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.4\nSummary: HTTP library\n"


def _binary(name: str) -> Path:
    entry = tool(name)
    path = PlatformPaths.from_env().tool_dir(entry.name, entry.version) / entry.binaries[0]
    if not path.is_file():
        pytest.skip(f"{name} {entry.version} is not built: run `shipyard platform install {name}`")
    return path


@pytest.fixture(scope="session")
def syft_bin() -> Path:
    return _binary("syft")


@pytest.fixture(scope="session")
def osv_bin() -> Path:
    return _binary("osv-scanner")


@pytest.fixture(scope="session")
def real_tools(syft_bin: Path, osv_bin: Path) -> ScanTools:
    return ScanTools(
        archiver=SkopeoArchiver(insecure_registries=frozenset({"127.0.0.1:5000"})),
        sbom=SyftSbom(syft_bin, tool("syft").version),
        matcher=OsvScanner(osv_bin, tool("osv-scanner").version),
    )


@pytest.fixture(scope="session")
def image_tar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    buildah = shutil.which("buildah")
    if buildah is None:
        pytest.skip("buildah is not installed (apt-get install buildah)")
    work = tmp_path_factory.mktemp("image")
    ctx = work / "ctx"
    files = {
        "rootfs/etc/os-release": OS_RELEASE,
        "rootfs/var/lib/dpkg/status": DPKG_STATUS,
        "rootfs/opt/deps/urllib3-1.26.4.dist-info/METADATA": METADATA,
        "rootfs/opt/deps/urllib3-1.26.4.dist-info/RECORD": "urllib3/__init__.py,,\n",
        "rootfs/opt/deps/urllib3/__init__.py": '__version__ = "1.26.4"\n',
        "Containerfile": "FROM scratch\nCOPY rootfs/ /\n",
    }
    for rel, text in files.items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_text(text)
    storage = work / "storage.conf"
    storage.write_text(
        f'[storage]\ndriver = "vfs"\ngraphroot = "{work / "graph"}"\nrunroot = "{work / "run"}"\n'
    )
    (work / "registries.conf").write_text("unqualified-search-registries = []\n")
    env = {
        "CONTAINERS_STORAGE_CONF": str(storage),
        "CONTAINERS_REGISTRIES_CONF": str(work / "registries.conf"),
        "BUILDAH_ISOLATION": "chroot",
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    }
    name = "localhost/shipyard-scan-test:1"
    out = work / "image.tar"

    def buildah_run(*argv: str) -> None:
        done = subprocess.run(
            [buildah, *argv], env=env, capture_output=True, text=True, check=False, timeout=300
        )
        assert done.returncode == 0, done.stderr

    buildah_run("build", "--layers", "-f", str(ctx / "Containerfile"), "-t", name, str(ctx))
    buildah_run("push", name, f"docker-archive:{out}:shipyard-scan-test:1")
    buildah_run("rmi", "--all", "--force")
    return out
