"""The images the real node itself needs, built here from binaries in the tool cache.

Every pod starts with a sandbox (pause) container, and cluster DNS is a CoreDNS pod. Their
upstream images live on public registries that Shipyard never pulls from, so both are made
locally: the static binary (``pause`` built from the program in this package, ``coredns``
from its Go module) copied into an image ``FROM scratch``, run as a non-root user, pushed to
the embedded registry under ``node/``. The tag is the tool's version, so a new pin means a
new image, and an image already in the registry is not built again.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.adapters.process import CommandFailed
from shipyard.platform.catalog import tool
from shipyard.platform.deps import Adapters
from shipyard.platform.errors import PlatformError
from shipyard.platform.install import binary
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.toolenv import RegistryTarget


@dataclass(frozen=True, slots=True)
class NodeImage:
    tool: str  # catalog row whose first binary the image runs
    repository: str
    user: str  # uid:gid

    @property
    def tag(self) -> str:
        return tool(self.tool).version

    def reference(self, registry: str) -> str:
        return f"{registry}/{self.repository}:{self.tag}"


PAUSE = NodeImage("pause", "node/pause", "65535:65535")
COREDNS = NodeImage("coredns", "node/coredns", "65532:65532")
NODE_IMAGES = (PAUSE, COREDNS)


class NodeImages:
    def __init__(
        self,
        paths: PlatformPaths,
        target: RegistryTarget,
        env: dict[str, str],
        adapters: Adapters,
    ) -> None:
        self.paths = paths
        self.target = target
        self.env = env
        self.adapters = adapters

    def missing(self) -> list[NodeImage]:
        t = self.target
        client = self.adapters.registry(t.address, t.secure, t.username, t.password.reveal())
        return [i for i in NODE_IMAGES if not client.has_manifest(i.repository, i.tag)]

    def ensure(self) -> list[str]:
        """Build and push the images the registry lacks; the references built."""
        built = []
        for image in self.missing():
            self.build(image)
            built.append(image.reference(self.target.address))
        return built

    def _buildah(self, *args: str) -> str:
        argv = [str(binary(self.paths, tool("buildah"))), *args]
        try:
            done = self.adapters.run(argv, extra_env=self.env, timeout=600)
        except CommandFailed as exc:
            raise PlatformError("real node", f"image build failed: {exc.message}") from None
        return done.stdout.strip()

    def build(self, image: NodeImage) -> None:
        entry = tool(image.tool).binaries[0]
        program = binary(self.paths, tool(image.tool), entry)
        ref = image.reference(self.target.address)
        ctr = self._buildah("from", "scratch")
        try:
            self._buildah("copy", ctr, str(program), f"/{entry}")
            self._buildah(
                "config",
                "--entrypoint",
                f'["/{entry}"]',
                "--user",
                image.user,
                "--label",
                f"org.opencontainers.image.description={entry} {image.tag}, built by Shipyard",
                ctr,
            )
            self._buildah("commit", "--rm", ctr, ref)
        except PlatformError:
            self.adapters.run(
                [str(binary(self.paths, tool("buildah"))), "rm", ctr],
                extra_env=self.env,
                check=False,
            )
            raise
        push = ["push", *([] if self.target.secure else ["--tls-verify=false"]), ref]
        self._buildah(*push)
