"""osv-scanner: match a docker-archive against staged advisory data, offline.

The command is ``osv-scanner scan image --archive FILE`` (image mode: it reads the image's
package databases itself and matches Debian packages by their *source* name, as Debian's
advisories are written) with:

- ``--offline --local-db-path DIR``: no network; advisories from
  ``DIR/osv-scalibr/<Ecosystem>/all.zip`` only (``--offline-vulnerabilities`` alone still
  finds nothing without a database, silently);
- ``--all-vulns``: no advisory hidden as "unimportant": the policy decides;
- ``--all-packages``: every package in the report, so the gate can check what was extracted;
- ``--config EMPTY``: an empty configuration of Shipyard's own, so that no
  ``osv-scanner.toml`` found elsewhere can filter findings out behind the gate's back;
- ``--format json --output-file FILE``: the report in a file, away from log lines.

osv-scanner exits 0 for "no issues" and 1 for "issues found", but also 0 when an ecosystem's
database could not be loaded (it logs ``could not load db`` and reports nothing for it). The
exit code and both streams are therefore returned unjudged; the gate judges them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from shipyard.adapters import process
from shipyard.adapters.process import Completed, ToolMissing
from shipyard.domain.scan import ScanRefused, ToolRun

Run = Callable[..., Completed]


class OsvScanner:
    def __init__(
        self, binary: str | Path, version: str, *, run: Run = process.run, timeout: float = 900
    ) -> None:
        self.binary = str(binary)
        self.version = version
        self._run = run
        self.timeout = timeout

    @property
    def tool(self) -> tuple[str, str]:
        return ("osv-scanner", self.version)

    def scan_archive(self, archive: Path, db_root: Path, report: Path) -> ToolRun:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory(prefix="shipyard-osv-") as tmp:
            config = Path(tmp) / "osv-scanner.toml"
            config.write_text("# Shipyard: no ignores here; the scan policy decides.\n")
            return self._scan(archive, db_root, report, config)

    def _scan(self, archive: Path, db_root: Path, report: Path, config: Path) -> ToolRun:
        argv = [
            self.binary,
            "scan",
            "image",
            "--offline",
            "--local-db-path",
            str(db_root),
            "--all-vulns",
            "--all-packages",
            "--config",
            str(config),
            "--format",
            "json",
            "--output-file",
            str(report),
            "--archive",
            str(archive),
        ]
        try:
            done = self._run(argv, check=False, timeout=self.timeout)
        except ToolMissing as exc:
            raise ScanRefused(
                "tool-missing", exc.message, hint="shipyard platform install osv-scanner"
            ) from None
        return ToolRun(done.argv, done.returncode, done.stdout, done.stderr)
