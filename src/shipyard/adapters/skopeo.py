"""skopeo: an image from a registry to a local docker-archive, pinned by digest.

The scan gate scans a file, not a moving tag: it asks the registry which manifest the
reference names (``skopeo inspect``), then copies exactly that digest
(``skopeo copy docker://REPO@sha256:... docker-archive:FILE:NAME``), so the SBOM, the
findings and the digest in the result all describe the same bytes.

skopeo 1.9 ignores ``CONTAINERS_REGISTRIES_CONF``, so a plain-HTTP registry (the embedded
one on 127.0.0.1) is named by the caller and gets ``--tls-verify=false`` /
``--src-tls-verify=false`` explicitly; every other registry keeps TLS verification.
Credentials come from ``REGISTRY_AUTH_FILE`` in ``extra_env`` (the platform's tool env).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from shipyard.adapters import process
from shipyard.adapters.process import CommandFailed, Completed, ToolMissing
from shipyard.domain.scan import ScanRefused

Run = Callable[..., Completed]
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def registry_host(image: str) -> str:
    """``127.0.0.1:5000/staging/package:v1`` -> ``127.0.0.1:5000`` ("" for a short name)."""
    first, sep, _ = image.partition("/")
    return first if sep and ("." in first or ":" in first or first == "localhost") else ""


def repository(image: str) -> str:
    """The repository part of a reference, without tag or digest."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]


class SkopeoArchiver:
    def __init__(
        self,
        *,
        binary: str = "skopeo",
        insecure_registries: frozenset[str] = frozenset(),
        extra_env: Mapping[str, str] | None = None,
        run: Run = process.run,
        timeout: float = 900,
    ) -> None:
        self.binary = binary
        self.insecure = insecure_registries
        self.extra_env = dict(extra_env or {})
        self._run = run
        self.timeout = timeout

    def _tls(self, image: str, flag: str) -> list[str]:
        return [f"--{flag}=false"] if registry_host(image) in self.insecure else []

    def _call(self, argv: list[str]) -> Completed:
        try:
            return self._run(argv, extra_env=self.extra_env, timeout=self.timeout)
        except ToolMissing as exc:
            raise ScanRefused(
                "tool-missing", exc.message, hint="install skopeo (apt-get install skopeo)"
            ) from None
        except CommandFailed as exc:
            raise ScanRefused("image-unavailable", exc.message, hint=exc.hint) from None

    def resolve_digest(self, image: str) -> str:
        argv = [self.binary, "inspect", *self._tls(image, "tls-verify")]
        done = self._call([*argv, "--format", "{{.Digest}}", f"docker://{image}"])
        digest = done.stdout.strip()
        if not _DIGEST.match(digest):
            raise ScanRefused(
                "image-unavailable", f"skopeo inspect gave no digest for {image}: {digest!r}"
            )
        return digest

    def save(self, image: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        name = repository(image).rsplit("/", 1)[-1] or "image"
        self._call(
            [
                self.binary,
                "copy",
                "--quiet",
                *self._tls(image, "src-tls-verify"),
                f"docker://{image}",
                f"docker-archive:{dest}:scan/{name}:latest",
            ]
        )
