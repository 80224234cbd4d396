"""Vulnerability scanning: Shipyard's gate around syft and osv-scanner, failing closed.

Shipyard does not match vulnerabilities itself; it drives well-known scanners (syft for the
SBOM, osv-scanner for matching) and refuses every outcome it cannot vouch for. What is
Shipyard's own is the advisory data (imported, validated and checksummed:
:mod:`~shipyard.scan.advisories`, :mod:`~shipyard.scan.store`), the canary that proves the
matcher on every scan (:mod:`~shipyard.scan.canary`), the policy per service
(:mod:`~shipyard.scan.policy`) and the result (:class:`~shipyard.domain.scan.ScanResult`,
written as JSON and SARIF).

Entry points: :func:`scan_image` (a task plugin or the CLI), :func:`import_advisories`.
"""

from __future__ import annotations

from shipyard.scan.advisories import ImportReport, import_advisories
from shipyard.scan.gate import ScanTools, scan_image

__all__ = ["ImportReport", "ScanTools", "import_advisories", "scan_image"]
