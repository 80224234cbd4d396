"""Promotion by digest: the :class:`~shipyard.deliver.ports.ImagePromoter` port over the
distribution API.

``staging/delivery@sha256:X`` becomes ``prod/delivery:v1.0.2`` with the same digest and no
layer bytes moved: for every blob of the manifest (its config and layers; for an index,
every child manifest first) the destination is asked whether it has it (``HEAD``), and if
not, the registry is asked to mount it from the source repository
(``POST /v2/DEST/blobs/uploads/?mount=DIGEST&from=SOURCE``: 201 means mounted, a pointer
in the registry's storage). Only a registry that refuses the mount (202, an upload session)
gets the bytes streamed across, and those bytes are counted. Then the manifest is PUT
exactly as it was read, same bytes and media type, so the registry computes the same
digest; a different answer stops the promotion.
"""

from __future__ import annotations

import json
import time
from typing import Any

from shipyard.adapters.registry import MANIFEST_TYPES, OciRegistry
from shipyard.deliver.model import ImageRef, PromotionResult
from shipyard.deliver.ports import DeliveryFailed

_INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


class RegistryPromoter:
    def __init__(self, registry: OciRegistry) -> None:
        self.registry = registry
        self._counts = {"mounted": 0, "present": 0, "bytes": 0, "manifests": 0}

    def promote(self, source: ImageRef, dest_repository: str, tag: str) -> PromotionResult:
        if not source.digest:
            raise DeliveryFailed(f"{source.reference()} has no digest: promotion is by digest")
        started = time.perf_counter()
        self._counts = dict.fromkeys(self._counts, 0)
        with self.registry.session():
            digest = self._copy(source.repository, dest_repository, source.digest, tag)
        if digest != source.digest:
            raise DeliveryFailed(
                f"{dest_repository}:{tag} arrived as {digest}, not {source.digest}: the "
                "registry changed the manifest"
            )
        c = self._counts
        return PromotionResult(
            source=source,
            dest=ImageRef(source.address, dest_repository, tag, digest),
            digest=digest,
            manifests=c["manifests"],
            blobs_mounted=c["mounted"],
            blobs_present=c["present"],
            bytes_moved=c["bytes"],
            seconds=time.perf_counter() - started,
        )

    # -- steps -----------------------------------------------------------------------
    def _scope(self, src: str, dest: str) -> str:
        return f"repository:{dest}:pull,push repository:{src}:pull"

    def _copy(self, src: str, dest: str, digest: str, ref: str) -> str:
        scope = self._scope(src, dest)
        resp = self.registry.send(
            "GET", f"/v2/{src}/manifests/{digest}", scope, {"Accept": MANIFEST_TYPES}
        )
        if resp.status_code != 200:
            raise DeliveryFailed(
                f"{self.registry.address}/{src}@{digest} cannot be read ({resp.status_code})"
            )
        body = resp.content
        media = resp.headers.get("Content-Type", "").split(";")[0].strip()
        manifest: dict[str, Any] = json.loads(body)
        media = media or str(manifest.get("mediaType", ""))
        if media in _INDEX_TYPES:
            for child in manifest.get("manifests") or []:
                self._copy(src, dest, str(child["digest"]), str(child["digest"]))
        else:
            blobs = [manifest.get("config") or {}, *(manifest.get("layers") or [])]
            for blob in blobs:
                if blob.get("digest"):
                    self._blob(src, dest, str(blob["digest"]), scope)
        put = self.registry.send(
            "PUT", f"/v2/{dest}/manifests/{ref}", scope, {"Content-Type": media}, body
        )
        if put.status_code not in (200, 201):
            raise DeliveryFailed(
                f"the registry refused the manifest for {dest}:{ref} ({put.status_code}): "
                f"{put.text[:300]}"
            )
        self._counts["manifests"] += 1
        return put.headers.get("Docker-Content-Digest", "")

    def _blob(self, src: str, dest: str, digest: str, scope: str) -> None:
        head = self.registry.send("HEAD", f"/v2/{dest}/blobs/{digest}", scope)
        if head.status_code == 200:
            self._counts["present"] += 1
            return
        mount = self.registry.send(
            "POST", f"/v2/{dest}/blobs/uploads/?mount={digest}&from={src}", scope
        )
        if mount.status_code == 201:
            self._counts["mounted"] += 1
            return
        if mount.status_code != 202:
            raise DeliveryFailed(
                f"the registry refused to mount {digest} into {dest} ({mount.status_code})"
            )
        # The registry opened an upload instead of mounting: copy the bytes once.
        data = self.registry.send("GET", f"/v2/{src}/blobs/{digest}", scope)
        if data.status_code != 200:
            raise DeliveryFailed(f"blob {digest} of {src} cannot be read ({data.status_code})")
        location = mount.headers.get("Location", "")
        if location.startswith("/"):
            location = self.registry.base_url + location
        sep = "&" if "?" in location else "?"
        put = self.registry.send(
            "PUT",
            f"{location}{sep}digest={digest}",
            scope,
            {"Content-Type": "application/octet-stream"},
            data.content,
        )
        if put.status_code != 201:
            raise DeliveryFailed(f"upload of {digest} into {dest} failed ({put.status_code})")
        self._counts["bytes"] += len(data.content)
