"""The scan gate: one image in, one :class:`~shipyard.domain.scan.ScanResult` out, fail closed.

:func:`scan_image` is what a task plugin (``ShipyardScan@1``) and ``shipyard scan`` call. It
reaches skopeo, syft and osv-scanner only through the ports in :mod:`shipyard.ports`, so
every rule below is tested with fakes, and the real tools are swapped in by the caller.

The steps, each of which can refuse the scan (``status = "refused"``, never "passed"):

1. advisory data: present, and byte for byte what the import wrote (sha256 per zip);
2. the image: a registry reference is resolved to its digest and copied as a docker-archive
   (so every later step reads the same bytes); a path to a docker-archive is used as is;
3. the SBOM (syft): written, parsed; its ecosystems must have data that is fresh enough;
4. matching (osv-scanner, offline): exit code 0 or 1 only, no ``could not load db`` on
   stderr (osv-scanner then stops matching and still exits 0), a report that parses, and an
   inventory that agrees with the SBOM (an ecosystem syft saw but osv-scanner extracted
   nothing from means the matcher looked at nothing);
5. the canary (:mod:`shipyard.scan.canary`): the same scanner, flags and data, on a tiny
   image holding a known-vulnerable package per ecosystem in play, must report each canary;
6. the policy decides (:func:`~shipyard.domain.scan.evaluate`).

osv-scanner reads a per-scan directory of links to the verified zips, plus an empty zip for
each ecosystem the policy accepts leaving unscanned: without one, osv-scanner aborts all
matching at the first ecosystem it has no database for. The zips are verified again after
matching, so data changed during a scan is caught too.

Artifacts (the SBOM, the JSON result, the SARIF file, osv-scanner's raw report) go to
``out_dir``; their paths are in the result for the run store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from shipyard.domain.diagnostics import EnvironmentProblem
from shipyard.domain.scan import (
    Judged,
    RefusalCode,
    ScanPolicy,
    ScanRefused,
    ScanResult,
    Status,
    ToolRun,
    evaluate,
)
from shipyard.ports import ImageArchiver, SbomGenerator, VulnerabilityMatcher
from shipyard.scan import canary, sarif, store
from shipyard.scan.osvreport import (
    ReportPackage,
    ecosystems_of,
    findings_of,
    matched_ids,
    parse_report,
)
from shipyard.scan.sbom import KNOWN_ECOSYSTEMS, SbomSummary, summarise

_DB_FAILURE = re.compile(r"could not load db(?: for (.+?) ecosystem)?")
SBOM_FILES = {"cyclonedx-json": "sbom.cdx.json", "spdx-json": "sbom.spdx.json"}


@dataclass(frozen=True, slots=True)
class ScanTools:
    """The three tools the gate drives, as ports (real adapters or fakes)."""

    archiver: ImageArchiver
    sbom: SbomGenerator
    matcher: VulnerabilityMatcher


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def pin(image: str, digest: str) -> str:
    """``reg:5000/team/app:v1`` + digest -> ``reg:5000/team/app@sha256:...``."""
    name = image.split("@", 1)[0]
    head, sep, last = name.rpartition("/")
    return f"{head}{sep}{last.split(':', 1)[0]}@{digest}"


def judge_run(run: ToolRun, what: str) -> None:
    """Refuse an osv-scanner run whose outcome is not a trustworthy "0 = clean, 1 = found"."""
    failed = [m.group(0) for m in _DB_FAILURE.finditer(run.stderr)]
    if failed:
        line = next(x for x in run.stderr.splitlines() if "could not load db" in x)
        raise ScanRefused(
            "db-load-failed",
            f"osv-scanner could not load advisory data while scanning {what}: {line.strip()} "
            f"(it then stops matching and still exits {run.returncode})",
            hint="check the advisory directory: shipyard advisories status",
        )
    if run.returncode not in (0, 1):
        tail = " | ".join((run.stderr or run.stdout).strip().splitlines()[-3:])
        raise ScanRefused(
            "scanner-exit",
            f"osv-scanner exited {run.returncode} scanning {what} (only 0 and 1 mean a "
            f"completed scan): {tail or 'no output'}",
            hint="rerun by hand: " + " ".join(run.argv),
        )


class _Scan:
    def __init__(
        self,
        target: str | Path,
        policy: ScanPolicy,
        advisories_dir: Path,
        tools: ScanTools,
        out_dir: Path,
        sbom_format: str,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.target, self.policy, self.tools = target, policy, tools
        self.advisories_dir, self.out_dir = advisories_dir, out_dir
        self.sbom_format, self.clock = sbom_format, clock
        self.started = clock()
        self.image = str(target)
        self.digest = ""
        self.notes: list[str] = []
        self.timings: dict[str, float] = {}
        self.ecosystems: set[str] = set()
        self.advisories: dict[str, Any] = {}
        self.canaries: list[str] = []
        self.artifacts: dict[str, str] = {}

    @contextmanager
    def step(self, name: str, code: RefusalCode) -> Iterator[None]:
        """Time a step; a tool failure inside it becomes a refusal with ``code``."""
        t0 = time.monotonic()
        try:
            yield
        except ScanRefused:
            raise
        except EnvironmentProblem as exc:
            raise ScanRefused(code, exc.message, hint=exc.hint) from None
        finally:
            self.timings[name] = round(time.monotonic() - t0, 3)

    def run(self, work: Path) -> ScanResult:
        with self.step("advisories", "advisories-missing"):
            db = store.load(self.advisories_dir)
            store.verify(db)
        with self.step("image", "image-unavailable"):
            archive = self._archive(work)
        with self.step("sbom", "sbom-failed"):
            summary = self._sbom(archive)
        unscanned = self._scope(db, summary.ecosystems)
        view = self._db_view(db, work / "db")
        with self.step("match", "scanner-exit"):
            packages = self._match(archive, view)
        found = {e for e in ecosystems_of(packages) if e}
        unscanned |= self._scope(db, found - summary.ecosystems)
        self._cross_check(summary, packages, unscanned)
        self.ecosystems = summary.ecosystems | found
        with self.step("canary", "canary-missed"):
            self._canary(db, view, work, unscanned)
        with self.step("verify", "checksum-mismatch"):
            store.verify(db)
        judged, notes = evaluate(findings_of(packages), self.policy, self.clock().date())
        self.notes.extend(notes)
        blocking = any(j.disposition == "blocking" for j in judged)
        return self._result("failed" if blocking else "passed", tuple(judged))

    # -- steps ---------------------------------------------------------------------------
    def _archive(self, work: Path) -> Path:
        path = Path(self.target)
        if isinstance(self.target, Path) or path.is_file():
            if not path.is_file():
                raise ScanRefused("image-unavailable", f"no image archive at {path}")
            return path
        self.digest = self.tools.archiver.resolve_digest(self.image)
        archive = work / "image.tar"
        self.tools.archiver.save(pin(self.image, self.digest), archive)
        return archive

    def _sbom(self, archive: Path) -> SbomSummary:
        dest = self.out_dir / SBOM_FILES[self.sbom_format]
        run = self.tools.sbom.generate(archive, dest, self.sbom_format)
        if run.returncode != 0 or not dest.is_file():
            tail = " | ".join(run.stderr.strip().splitlines()[-3:]) or f"exit {run.returncode}"
            raise ScanRefused("sbom-failed", f"syft could not write the SBOM: {tail}")
        try:
            document = json.loads(dest.read_text())
        except (OSError, ValueError) as exc:
            raise ScanRefused("sbom-failed", f"the SBOM {dest} is not JSON: {exc}") from None
        self.artifacts["sbom"] = str(dest)
        summary = summarise(document)
        if summary.unmatched:
            kinds = ", ".join(f"{k} ({n})" for k, n in sorted(summary.unmatched.items()))
            self.notes.append(f"SBOM packages with no OSV ecosystem, not matched: {kinds}")
        return summary

    def _scope(self, db: store.AdvisoryDb, ecosystems: set[str]) -> set[str]:
        absent, notes = store.check_scope(
            db,
            ecosystems,
            unscanned=self.policy.unscanned_ecosystems,
            max_age_days=self.policy.max_advisory_age_days,
            now=self.clock(),
        )
        self.notes.extend(notes)
        for eco in sorted(ecosystems & set(db.ecosystems)):
            self.advisories[eco] = db.ecosystems[eco].as_json()
        return set(absent)

    def _db_view(self, db: store.AdvisoryDb, root: Path) -> Path:
        """What osv-scanner reads: links to the verified zips, and an empty zip for every
        other ecosystem it knows, because a missing zip makes it stop matching altogether
        (and exit 0). Whether an ecosystem may go without data is decided by
        :func:`store.check_scope` on the SBOM and on osv-scanner's own inventory."""
        for entry in db.ecosystems.values():
            link = root / entry.zip_path
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(db.root / entry.zip_path)
        for eco in sorted(KNOWN_ECOSYSTEMS - set(db.ecosystems)):
            empty = root / store.DB_DIR / eco / "all.zip"
            empty.parent.mkdir(parents=True, exist_ok=True)
            zipfile.ZipFile(empty, "w").close()
        return root

    def _match(self, archive: Path, db_root: Path) -> list[ReportPackage]:
        report = self.out_dir / "osv-report.json"
        run = self.tools.matcher.scan_archive(archive, db_root, report)
        judge_run(run, self.image)
        try:
            packages = parse_report(json.loads(report.read_text()))
        except (OSError, ValueError) as exc:
            raise ScanRefused(
                "output-unreadable", f"osv-scanner's report {report} cannot be read: {exc}"
            ) from None
        self.artifacts["osv_report"] = str(report)
        if run.returncode == 0 and matched_ids(packages):
            raise ScanRefused(
                "scanner-exit", "osv-scanner exited 0 but its report lists vulnerabilities"
            )
        return packages

    def _cross_check(
        self, summary: SbomSummary, packages: list[ReportPackage], unscanned: set[str]
    ) -> None:
        counts = ecosystems_of(packages)
        for eco in sorted(summary.ecosystems - unscanned):
            if not counts.get(eco):
                raise ScanRefused(
                    "extraction-mismatch",
                    f"syft found {len(summary.packages[eco])} {eco} package(s) in the image, "
                    f"osv-scanner extracted none, so none of them was matched",
                    hint="compare the SBOM with osv-report.json; the scanners disagree on "
                    "where this ecosystem's packages are recorded",
                )
        if counts.get(""):
            self.notes.append(
                f"{counts['']} package(s) osv-scanner found without an ecosystem were not matched"
            )

    def _canary(self, db: store.AdvisoryDb, db_root: Path, work: Path, unscanned: set[str]) -> None:
        scope = sorted(self.ecosystems - unscanned) or sorted(
            e for e in db.ecosystems if e in canary.RECIPES
        )
        covered = canary.write_canary_image(scope, work / "canary.tar")
        unproven = [e for e in scope if e not in covered]
        accepted = [e for e in unproven if e in self.policy.unscanned_ecosystems]
        refused = [e for e in unproven if e not in accepted]
        if refused:
            raise ScanRefused(
                "canary-missed",
                f"no canary can prove the matcher for {', '.join(refused)} (canaries exist "
                f"for {', '.join(sorted(canary.RECIPES))})",
                hint="list it under [scan] unscanned_ecosystems to accept scanning it unproven",
            )
        if accepted:
            self.notes.append(f"matched without a canary proof: {', '.join(accepted)}")
        if not covered:
            return
        report = work / "canary-report.json"
        run = self.tools.matcher.scan_archive(work / "canary.tar", db_root, report)
        judge_run(run, "the canary image")
        try:
            seen = matched_ids(parse_report(json.loads(report.read_text())))
        except (OSError, ValueError) as exc:
            raise ScanRefused("canary-missed", f"the canary report cannot be read: {exc}") from None
        wanted = {canary.canary_id(e): e for e in covered}
        missed = sorted(e for cid, e in wanted.items() if cid not in seen)
        if missed:
            raise ScanRefused(
                "canary-missed",
                f"osv-scanner did not report the canary advisory for {', '.join(missed)}: "
                "the matcher or the staged data is broken, so a clean result means nothing",
                hint="import the data again (shipyard advisories import) and check the "
                "osv-scanner build (shipyard platform install osv-scanner)",
            )
        self.canaries = sorted(wanted)

    # -- results -------------------------------------------------------------------------
    def _result(self, status: Status, findings: tuple[Judged, ...], **extra: Any) -> ScanResult:
        return ScanResult(
            status=status,
            image=self.image,
            service=self.policy.service,
            digest=self.digest,
            findings=findings,
            notes=tuple(self.notes),
            policy=self.policy.as_json(),
            artifacts=dict(self.artifacts),
            tools=dict([self.tools.sbom.tool, self.tools.matcher.tool]),
            advisories=dict(self.advisories),
            ecosystems=tuple(sorted(self.ecosystems)),
            canaries=tuple(self.canaries),
            timings=dict(self.timings),
            started_at=store.iso(self.started),
            **extra,
        )

    def refused(self, exc: ScanRefused) -> ScanResult:
        refusal = {"code": exc.code, "message": exc.message, "hint": exc.hint}
        return self._result("refused", (), refusal=refusal)


def scan_image(
    image_ref_or_archive: str | Path,
    policy: ScanPolicy,
    advisories_dir: Path,
    tools: ScanTools,
    *,
    out_dir: Path,
    sbom_format: str = "cyclonedx-json",
    clock: Callable[[], dt.datetime] = utc_now,
) -> ScanResult:
    """Scan one image (registry reference or docker-archive path) and decide the gate.

    Never raises for a scan that cannot be trusted: the result's status is ``refused`` and
    ``refusal`` says why. Writes ``scan-result.json`` and ``scan-result.sarif`` (and the
    SBOM and osv-scanner's report when they were made) into ``out_dir``.
    """
    if sbom_format not in SBOM_FILES:
        raise ValueError(f"sbom_format must be one of {sorted(SBOM_FILES)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    scan = _Scan(image_ref_or_archive, policy, advisories_dir, tools, out_dir, sbom_format, clock)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="shipyard-scan-") as tmp:
        try:
            result = scan.run(Path(tmp))
        except ScanRefused as exc:
            result = scan.refused(exc)
    timings = {**result.timings, "total": round(time.monotonic() - t0, 3)}
    paths = {
        **result.artifacts,
        "json": str(out_dir / "scan-result.json"),
        "sarif": str(out_dir / "scan-result.sarif"),
    }
    result = replace(result, timings=timings, artifacts=paths)
    (out_dir / "scan-result.json").write_text(json.dumps(result.as_json(), indent=2) + "\n")
    (out_dir / "scan-result.sarif").write_text(json.dumps(sarif.to_sarif(result), indent=2) + "\n")
    return result
