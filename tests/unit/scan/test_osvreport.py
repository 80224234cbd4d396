"""osv-scanner's JSON report to findings: groups, Debian source packages, fixed versions."""

from __future__ import annotations

import pytest

from shipyard.domain.scan import Severity
from shipyard.scan.osvreport import (
    ReportPackage,
    ecosystems_of,
    findings_of,
    fixed_version,
    parse_report,
)
from tests.unit.scan.fakes import pkg_entry, record, report

GHSA = record(
    "GHSA-q2q7-5pp4-w6pg",
    "urllib3",
    "1.26.5",
    introduced="1.25.4",
    label="HIGH",
    aliases=("CVE-2021-33503",),
)
PYSEC = record("PYSEC-2021-108", "urllib3", "1.26.5", aliases=("CVE-2021-33503",))


def test_a_group_of_aliased_records_is_one_finding_with_the_worst_severity() -> None:
    entry = pkg_entry("urllib3", "1.26.4", "PyPI", PYSEC, GHSA)
    entry["groups"] = [
        {
            "ids": ["PYSEC-2021-108", "GHSA-q2q7-5pp4-w6pg"],
            "aliases": ["CVE-2021-33503"],
            "max_severity": "7.5",
        }
    ]
    (finding,) = findings_of(parse_report(report(entry)))
    assert finding.id == "GHSA-q2q7-5pp4-w6pg"
    assert finding.related_ids == ("PYSEC-2021-108",)
    assert finding.aliases == ("CVE-2021-33503",)
    assert (finding.severity, finding.severity_source) == (
        Severity.HIGH,
        "database_specific.severity HIGH",
    )
    assert finding.fixed_version == "1.26.5"


def test_binary_packages_of_one_debian_source_collapse() -> None:
    rec = record("DEBIAN-CVE-2026-1", "python3.11", "3.11.2-6+deb12u9", ecosystem="Debian:12")
    entries = [
        pkg_entry("python3.11", "3.11.2-6+deb12u8", "Debian:12", rec, os_name=name)
        for name in ("python3.11-minimal", "libpython3.11-stdlib", "python3.11")
    ]
    (finding,) = findings_of(parse_report(report(*entries)))
    assert finding.installed_as == ("libpython3.11-stdlib", "python3.11-minimal")
    assert finding.severity is Severity.UNKNOWN
    assert finding.fixed_version == "3.11.2-6+deb12u9"


def test_canary_findings_are_never_reported_as_findings() -> None:
    canary = record("SHIPYARD-SYNTHETIC-CANARY-PYPI", "shipyard-synthetic-canary", "1.0.1")
    assert (
        findings_of(
            parse_report(report(pkg_entry("shipyard-synthetic-canary", "1.0.0", "PyPI", canary)))
        )
        == []
    )


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.26.4", "1.26.17"), ("2.0.3", "2.0.6"), ("1.26.17", ""), ("3.0.0", "")],
)
def test_the_fixed_version_is_the_fix_of_the_range_holding_the_version(
    version: str, expected: str
) -> None:
    rec = record("GHSA-v845-jxx5-vc9f", "urllib3", "2.0.6", introduced="2.0.0")
    rec["affected"].append(record("x", "urllib3", "1.26.17")["affected"][0])
    pkg = ReportPackage("urllib3", version, "PyPI", "", "")
    assert fixed_version([rec], pkg) == expected


def test_names_are_compared_normalised() -> None:
    rec = record("GHSA-z", "zope-interface", "5.0")
    assert fixed_version([rec], ReportPackage("Zope.Interface", "4.0", "PyPI", "", "")) == "5.0"


def test_ecosystem_counts_use_the_base_ecosystem() -> None:
    pkgs = parse_report(
        report(
            pkg_entry("apt", "2.6.1", "Debian:12"),
            pkg_entry("x", "1", ""),
            pkg_entry("pip", "1", "PyPI"),
        )
    )
    assert ecosystems_of(pkgs) == {"Debian": 1, "": 1, "PyPI": 1}


@pytest.mark.parametrize("doc", [[], {"results": "x"}, {"results": [{"packages": [{"nope": 1}]}]}])
def test_reports_of_an_unknown_shape_are_errors(doc: object) -> None:
    with pytest.raises(ValueError):
        parse_report(doc)
