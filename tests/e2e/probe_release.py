"""A release of the small ``probe`` chart, made in the real registry without a CI run.

The image is the platform's base image mounted into ``staging/NAME`` (it runs
``python3 -m http.server``); the chart is ``tests/fixtures/charts/probe`` with the values a
test wants baked in, packaged and pushed by the real helm with the build identity. So each
refusal and fault test gets a release of its own in seconds, and none depends on what an
earlier test left in the registry or the clusters.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from shipyard.adapters.promotion import RegistryPromoter
from shipyard.adapters.registry import OciRegistry
from shipyard.deliver.model import ImageRef
from shipyard.deliver.release import Release
from shipyard.platform import Platform, binary
from shipyard.platform.images import BASE_IMAGES

CHART = Path(__file__).parent.parent / "fixtures" / "charts" / "probe"


def make_release(
    platform: Platform, registry: OciRegistry, workdir: Path, name: str, **values: Any
) -> Release:
    """``name`` at a fresh version: its image in staging/, its chart in helm/."""
    version = f"v0.{int(time.time()) % 100000}.{uuid.uuid4().int % 1000}"
    base = BASE_IMAGES[0]
    digest = registry.manifest_digest(base.repository, base.tag)
    assert digest, f"{base.repository}:{base.tag} is missing: run shipyard platform up"
    source = ImageRef(registry.address, base.repository, base.tag, digest)
    RegistryPromoter(registry).promote(source, f"staging/{name}", version)

    chart = workdir / f"{name}-{version}" / name
    shutil.copytree(CHART, chart)
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    meta["name"] = name
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
    defaults = yaml.safe_load((chart / "values.yaml").read_text()) | values
    (chart / "values.yaml").write_text(yaml.safe_dump(defaults))
    helm = str(binary("helm", platform))
    env = platform.tool_env()
    out = workdir / "packages"
    for argv in (
        [helm, "package", str(chart), "--version", version, "--app-version", version,
         "-d", str(out)],
        [helm, "push", str(out / f"{name}-{version}.tgz"), f"oci://{registry.address}/helm",
         "--plain-http"],
    ):  # fmt: skip
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    chart_digest = registry.manifest_digest(f"helm/{name}", version)
    assert chart_digest
    return Release(
        service=name,
        version=version,
        build_run_id=1,
        commit="c0ffee" + "0" * 34,
        author="ann",
        registry=registry.address,
        plain_http=True,
        image_repository=f"staging/{name}",
        image_digest=digest,
        chart_repository=f"helm/{name}",
        chart_version=version,
        chart_digest=chart_digest,
    )


def helm_releases(platform: Platform, context: str, namespace: str) -> list[str]:
    """Every helm release of the namespace, whatever its state."""
    argv = [
        str(binary("helm", platform)),
        "--kube-context",
        context,
        "-n",
        namespace,
        "list",
        "-q",
        "--deployed",
        "--failed",
        "--pending",
        "--uninstalling",
    ]
    done = subprocess.run(
        argv, env=platform.tool_env(), capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split()
