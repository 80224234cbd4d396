"""``shipyard scan IMAGE`` and ``shipyard advisories import | status``: the scan gate by hand.

These commands are the composition root of the gate: they build the real adapters (skopeo,
syft and osv-scanner from the platform's pinned tool cache) and hand them to
:func:`shipyard.scan.scan_image`, the same function a ``ShipyardScan@1`` step calls.

Exit codes of ``scan``: 0 passed, 1 failed (a finding blocks), 4 refused (the gate could not
vouch for the image: advisory data missing, stale or altered, a scanner failing in a way it
does not report, the canary not found), 3 invalid policy file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from shipyard.adapters.osv import OsvScanner
from shipyard.adapters.skopeo import SkopeoArchiver
from shipyard.adapters.syft import SyftSbom
from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.domain.diagnostics import ExitCode
from shipyard.domain.scan import ScanRefused, ScanResult
from shipyard.platform import settings as platform_settings
from shipyard.platform.catalog import tool
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.toolenv import auth_file, registry_target
from shipyard.scan import ScanTools, import_advisories, scan_image, store
from shipyard.scan import policy as scan_policy

OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text for people, json for scripts")
ADVISORIES = typer.Option(
    None,
    "--advisories-dir",
    envvar="SHIPYARD_ADVISORIES_DIR",
    help="where imported advisory data lives [default: $XDG_DATA_HOME/shipyard/advisories]",
)
_MARK = {
    "blocking": "[red]BLOCK  [/]",
    "warning": "[yellow]WARN   [/]",
    "allowed": "[dim]allow  [/]",
    "ignored": "[dim]ignored[/]",
}


def advisories_dir(explicit: Path | None, paths: PlatformPaths | None = None) -> Path:
    if explicit is not None:
        return explicit.expanduser()
    paths = paths or PlatformPaths.from_env()
    return paths.data.parent / "advisories"


def build_tools(paths: PlatformPaths) -> ScanTools:
    """The real tools: skopeo from the system, syft and osv-scanner from the tool cache."""
    settings = platform_settings.load(paths=paths)
    target = registry_target(settings, paths)
    env = {"REGISTRY_AUTH_FILE": str(auth_file(paths))} if auth_file(paths).is_file() else {}
    syft, osv = tool("syft"), tool("osv-scanner")
    return ScanTools(
        archiver=SkopeoArchiver(
            insecure_registries=frozenset() if target.secure else frozenset({target.address}),
            extra_env=env,
        ),
        sbom=SyftSbom(
            paths.tool_dir(syft.name, syft.version) / "syft",
            syft.version,
            cache_dir=paths.cache / "syft",
        ),
        matcher=OsvScanner(paths.tool_dir(osv.name, osv.version) / "osv-scanner", osv.version),
    )


def _print_result(result: ScanResult) -> None:
    out = console()
    where = f" ({result.digest[:19]}…)" if result.digest else ""
    head = f"scan {escape(result.image)}{where}"
    if result.status == "refused":
        err = console(stderr=True)
        code = escape(result.refusal.get("code", ""))
        err.print(f"{head}: [bold red]REFUSED[/] \\[{code}]")
        err.print(f"  {escape(result.refusal.get('message', ''))}")
        if result.refusal.get("hint"):
            err.print(f"  [dim]hint:[/] {escape(result.refusal['hint'])}")
    else:
        counts = ", ".join(f"{n} {k}" for k, n in result.counts().items())
        word = "[bold green]PASSED[/]" if result.passed else "[bold red]FAILED[/]"
        out.print(f"{head}: {word}  ({counts})")
    for j in result.findings:
        f = j.finding
        score = f" {f.cvss_score:.1f}" if f.cvss_score is not None else ""
        fixed = f"fixed in {f.fixed_version}" if f.fixed_version else "no fix known"
        aliases = f"  [dim]{escape(', '.join(f.aliases))}[/]" if f.aliases else ""
        out.print(
            f"  {_MARK[j.disposition]} {escape(f.id)}  {escape(f.package)} "
            f"{escape(f.version)} ({escape(f.ecosystem)})  {f.severity.value}{score}  "
            f"{escape(fixed)}{aliases}"
        )
        if j.disposition != "allowed":
            out.print(f"           [dim]{escape(j.reason)}[/]")
    for note in result.notes:
        out.print(f"  [dim]note:[/] {escape(note)}")
    if result.canaries:
        out.print(f"  [dim]canary matched:[/] {', '.join(result.canaries)}")
    arts = ", ".join(f"{k} {v}" for k, v in result.artifacts.items())
    out.print(f"  [dim]artifacts:[/] {escape(arts)}")
    t = result.timings
    steps = ", ".join(f"{k} {v:.1f}" for k, v in t.items() if k != "total")
    out.print(f"  [dim]took {t.get('total', 0):.1f} s ({steps})[/]")


def _scan(
    image: str,
    service: str,
    out: Path,
    sbom_format: str,
    adv: Path | None,
    output: OutputFormat,
) -> None:
    paths = PlatformPaths.from_env()
    policy = scan_policy.load(config_home=paths.config_home).policy_for(service)
    result = scan_image(
        image,
        policy,
        advisories_dir(adv, paths),
        build_tools(paths),
        out_dir=out,
        sbom_format=sbom_format,
    )
    if output == OutputFormat.json:
        emit_json(result.as_json())
    else:
        _print_result(result)
    code = {"passed": ExitCode.OK, "failed": ExitCode.FAILED, "refused": ExitCode.ENVIRONMENT}
    raise typer.Exit(int(code[result.status]))


def _import(paths_in: list[Path], adv: Path | None, replace: bool, output: OutputFormat) -> None:
    target = advisories_dir(adv)
    report = import_advisories(paths_in, target, now=dt.datetime.now(dt.UTC), replace=replace)
    if output == OutputFormat.json:
        emit_json({**report.as_json(), "advisories_dir": str(target)})
        return
    out = console()
    out.print(f"imported into {escape(str(report.db.root))}")
    for name, entry in sorted(report.db.ecosystems.items()):
        how = "carried over" if name in report.carried else "imported"
        extra = f", {entry.synthetic} synthetic" if entry.synthetic else ""
        fixed = entry.renamed + entry.reordered
        norm = f", {fixed} normalised" if fixed else ""
        out.print(
            f"  {escape(name):<10} {entry.records} records{extra}{norm}; newest "
            f"{entry.newest_modified}; canary {entry.canary} ({how})"
        )
    if report.without_package:
        out.print(f"  [dim]{report.without_package} record(s) name no package (not staged)[/]")


def _status(adv: Path | None, output: OutputFormat) -> None:
    target = advisories_dir(adv)
    db = store.load(target)
    now = dt.datetime.now(dt.UTC)
    checks: dict[str, str] = {}
    for name, entry in db.ecosystems.items():
        try:
            store.check_zip(db.root, entry)
            checks[name] = "ok"
        except ScanRefused as exc:
            checks[name] = exc.message
    if output == OutputFormat.json:
        data = db.as_json()
        for name, entry in data["ecosystems"].items():
            entry["checksum"] = checks[name]
            entry["age_days"] = (now - db.ecosystems[name].newest()).days
        emit_json({**data, "advisories_dir": str(target), "root": str(db.root)})
    else:
        out = console()
        out.print(f"advisory data in {escape(str(db.root))} (imported {db.imported_at})")
        table = Table(box=None, pad_edge=False)
        for col in ("ecosystem", "records", "synthetic", "newest record", "age", "checksum"):
            table.add_column(col)
        for name, entry in sorted(db.ecosystems.items()):
            age = (now - entry.newest()).days
            table.add_row(
                escape(name),
                str(entry.records),
                str(entry.synthetic),
                entry.newest_modified,
                f"{age} d",
                "ok" if checks[name] == "ok" else f"[red]{escape(checks[name])}[/]",
            )
        out.print(table)
    if any(v != "ok" for v in checks.values()):
        raise typer.Exit(int(ExitCode.ENVIRONMENT))


def register(app: typer.Typer) -> None:
    @app.command("scan")
    def scan_cmd(
        image: str = typer.Argument(
            ..., help="image reference (REGISTRY/REPO:TAG or @sha256:...) or a docker-archive"
        ),
        service: str = typer.Option("", "--service", help="apply this service's policy"),
        out: Path = typer.Option(
            Path("shipyard-scan"), "--out", help="directory for the SBOM, JSON and SARIF"
        ),
        sbom_format: str = typer.Option(
            "cyclonedx-json", "--sbom-format", help="cyclonedx-json or spdx-json"
        ),
        adv: Path | None = ADVISORIES,
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Scan an image for known vulnerabilities and decide the gate (fails closed).

        Exit codes: 0 passed, 1 a finding blocks, 4 refused (see the message), 3 bad policy.
        Policy: shipyard-scan.toml, $SHIPYARD_SCAN_CONFIG or $XDG_CONFIG_HOME/shipyard/scan.toml.
        """
        if sbom_format not in ("cyclonedx-json", "spdx-json"):
            raise typer.BadParameter(
                "expected cyclonedx-json or spdx-json", param_hint="--sbom-format"
            )
        guarded(
            lambda: _scan(image, service, out, sbom_format, adv, output),
            output == OutputFormat.json,
        )

    sub = typer.Typer(
        name="advisories",
        help=(
            "The advisory data the scan gate matches against: OSV records, imported, validated "
            "and checksummed (osv.dev's per-ecosystem all.zip, or folders of OSV JSON)."
        ),
        no_args_is_help=True,
    )

    @sub.command("import")
    def import_cmd(
        paths: list[Path] = typer.Argument(..., help="zips, OSV .json files or folders of them"),
        replace: bool = typer.Option(
            False, "--replace", help="drop ecosystems not in this import (default: keep them)"
        ),
        adv: Path | None = ADVISORIES,
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Validate every record and stage the data; a failed import changes nothing."""
        guarded(lambda: _import(paths, adv, replace, output), output == OutputFormat.json)

    @sub.command("status")
    def status_cmd(adv: Path | None = ADVISORIES, output: OutputFormat = OUTPUT) -> None:
        """Each ecosystem's record count, newest record, age and checksum."""
        guarded(lambda: _status(adv, output), output == OutputFormat.json)

    app.add_typer(sub)
