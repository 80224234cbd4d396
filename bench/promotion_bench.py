"""Promotion staging/ -> prod/ by digest: Shipyard's blob mount vs ``skopeo copy``.

Both copy the same image (the platform's base image, mounted into a fresh staging/
repository first) on the same embedded registry, as the promotion identity, into a fresh
prod/ repository each time, which is what a first promotion of a version meets. Figures:
time per promotion (median and worst of five), layer bytes sent (skopeo's from its debug
log: uploads, not mounts), and whether the digest that arrives is the one that left.
Targets: 0 layer bytes, under 100 ms.

Needs the platform (``shipyard platform up``); prints a line and exits 0 without it.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import time
import uuid

from shipyard.adapters.promotion import RegistryPromoter
from shipyard.adapters.registry import OciRegistry
from shipyard.deliver.model import ImageRef
from shipyard.domain.registry_access import PROMOTION
from shipyard.platform import Platform, Recorder
from shipyard.platform.images import BASE_IMAGES

ROUNDS = 5
_UPLOADED = re.compile(r"Upload of layer (sha256:[0-9a-f]{64}) complete")


def client(platform: Platform, role: str | None = None) -> OciRegistry:
    t = platform.target_as(role) if role else platform.target
    return OciRegistry(
        t.address, secure=t.secure, username=t.username, password=t.password.reveal()
    )


def main() -> None:
    platform = Platform.load(progress=Recorder())
    build = client(platform)
    if not build.is_up():
        print("promotion: the platform is not running (shipyard platform up); skipped")
        return
    base = BASE_IMAGES[0]
    digest = build.manifest_digest(base.repository, base.tag)
    if not digest:
        print(f"promotion: {base.repository}:{base.tag} is missing; skipped")
        return
    run = uuid.uuid4().hex[:8]
    staged = f"staging/bench-promote-{run}"
    RegistryPromoter(build).promote(
        ImageRef(build.address, base.repository, base.tag, digest), staged, "v1.0.0"
    )
    source = ImageRef(build.address, staged, "v1.0.0", digest)
    manifest = build.send(
        "GET",
        f"/v2/{staged}/manifests/{digest}",
        f"repository:{staged}:pull",
        {"Accept": "application/vnd.oci.image.manifest.v1+json"},
    ).json()
    sizes = {str(b["digest"]): int(b["size"]) for b in [manifest["config"], *manifest["layers"]]}
    image_bytes = sum(sizes.values())

    ours: list[float] = []
    moved, same = 0, True
    for i in range(ROUNDS):
        promoter = RegistryPromoter(client(platform, PROMOTION))  # a fresh client: no cache
        result = promoter.promote(source, f"prod/bench-promote-{run}-{i}", "v1.0.0")
        ours.append(result.seconds)
        moved = max(moved, result.bytes_moved)
        same = same and result.digest == digest
    print(
        f"promotion (Shipyard, blob mount): median {statistics.median(ours) * 1000:.0f} ms, "
        f"worst {max(ours) * 1000:.0f} ms over {ROUNDS}; layer bytes sent {moved} of "
        f"{image_bytes}; same digest: {same}  (target: 0 bytes, < 100 ms)"
    )

    promo = platform.target_as(PROMOTION)
    creds = f"{promo.username}:{promo.password.reveal()}"
    theirs: list[float] = []
    sent = 0
    for i in range(ROUNDS):
        argv = [
            "skopeo", "--debug", "copy", "--preserve-digests",
            "--src-tls-verify=false", "--dest-tls-verify=false",
            "--src-creds", creds, "--dest-creds", creds,
            f"docker://{build.address}/{staged}@{digest}",
            f"docker://{build.address}/prod/bench-skopeo-{run}-{i}:v1.0.0",
        ]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
        theirs.append(time.perf_counter() - started)
        if done.returncode != 0:
            print(f"promotion (skopeo copy): failed: {done.stderr.strip()[:300]}")
            return
        sent = max(sent, sum(sizes.get(d, 0) for d in _UPLOADED.findall(done.stderr)))
    arrived = build.manifest_digest(f"prod/bench-skopeo-{run}-0", "v1.0.0")
    print(
        f"promotion (skopeo copy --preserve-digests): median "
        f"{statistics.median(theirs) * 1000:.0f} ms, worst {max(theirs) * 1000:.0f} ms over "
        f"{ROUNDS}; layer bytes sent {sent} of {image_bytes}; same digest: {arrived == digest}"
    )
    print(
        "promotion: skopeo mounts layers as well when its blob-info cache knows where they "
        "are (it does on the machine that pushed them); with a cold cache it uploads them all"
    )
    print(
        f"promotion: Shipyard is {statistics.median(theirs) / statistics.median(ours):.1f}x "
        "faster than skopeo copy on the same registry"
    )


if __name__ == "__main__":
    main()
