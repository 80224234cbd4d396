"""syft: the SBOM of a docker-archive, as CycloneDX or SPDX JSON.

syft runs with ``SYFT_CHECK_FOR_APP_UPDATE=false`` (no network call home from a CI job) and
``SYFT_FILE_METADATA_SELECTION=none`` (no per-file digests: the SBOM is about packages, and
hashing every file of the image triples the time). The exit code is handed back unjudged;
the gate refuses a scan whose SBOM could not be written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shipyard.adapters import process
from shipyard.adapters.process import Completed, ToolMissing
from shipyard.domain.scan import ScanRefused, ToolRun

Run = Callable[..., Completed]
ENV = {"SYFT_CHECK_FOR_APP_UPDATE": "false", "SYFT_FILE_METADATA_SELECTION": "none"}
FORMATS = ("cyclonedx-json", "spdx-json")


class SyftSbom:
    def __init__(
        self,
        binary: str | Path,
        version: str,
        *,
        run: Run = process.run,
        cache_dir: Path | None = None,
        timeout: float = 900,
    ) -> None:
        self.binary = str(binary)
        self.version = version
        self._run = run
        self.cache_dir = cache_dir
        self.timeout = timeout

    @property
    def tool(self) -> tuple[str, str]:
        return ("syft", self.version)

    def generate(self, archive: Path, dest: Path, sbom_format: str) -> ToolRun:
        if sbom_format not in FORMATS:
            raise ValueError(f"unsupported SBOM format {sbom_format!r}; expected {FORMATS}")
        env = dict(ENV)
        if self.cache_dir is not None:
            env["SYFT_CACHE_DIR"] = str(self.cache_dir)
        argv = [self.binary, "scan", f"docker-archive:{archive}", "-o", f"{sbom_format}={dest}"]
        argv.append("-q")
        try:
            done = self._run(argv, extra_env=env, check=False, timeout=self.timeout)
        except ToolMissing as exc:
            raise ScanRefused(
                "tool-missing", exc.message, hint="shipyard platform install syft"
            ) from None
        return ToolRun(done.argv, done.returncode, done.stdout, done.stderr)
