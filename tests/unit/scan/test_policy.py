"""shipyard-scan.toml: per-service policy, validated with file and line for every problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shipyard.domain.diagnostics import InvalidInput
from shipyard.domain.scan import ScanPolicy
from shipyard.scan.policy import find_file, load, parse

GOOD = """\
[scan]
fail_on = "high"
unknown_severity = "warn"
max_advisory_age_days = 14
unscanned_ecosystems = ["Go"]

[[scan.ignore]]
id = "GHSA-cx63-2mw6-8hw5"
reason = "wheel only seeds venvs"
author = "platform"
expires = 2027-06-30

[scan.services.package]
fail_on = "critical"
unknown_severity = "fail"

[[scan.services.package.ignore]]
id = "GHSA-q2q7-5pp4-w6pg"
reason = "no URL parsing of untrusted input"
author = "bob"
expires = 2027-01-01
"""


def test_a_service_inherits_and_overrides_and_adds_ignores() -> None:
    pf = parse(GOOD, Path("shipyard-scan.toml"))
    base = pf.policy_for("delivery")
    assert (base.fail_on, base.unknown_severity, base.max_advisory_age_days) == ("high", "warn", 14)
    assert base.unscanned_ecosystems == ("Go",)
    assert [i.advisory_id for i in base.ignores] == ["GHSA-cx63-2mw6-8hw5"]
    pkg = pf.policy_for("package")
    assert (pkg.fail_on, pkg.unknown_severity, pkg.max_advisory_age_days) == (
        "critical",
        "fail",
        14,
    )
    assert [(i.advisory_id, i.expires, i.where) for i in pkg.ignores] == [
        ("GHSA-cx63-2mw6-8hw5", dt.date(2027, 6, 30), "shipyard-scan.toml:7"),
        ("GHSA-q2q7-5pp4-w6pg", dt.date(2027, 1, 1), "shipyard-scan.toml:17"),
    ]
    assert pkg.service == "package"


def test_every_problem_is_reported_with_its_line() -> None:
    text = """\
[scan]
fail_on = "severe"
max_advisory_age_days = 0
unscaned_ecosystems = []

[[scan.ignore]]
id = "GHSA-1"
reason = "x"
expires = "2027-01-01"

[scan.services.web]
fail-on = "low"

[other]
x = 1
"""
    with pytest.raises(InvalidInput) as exc:
        parse(text, Path("p.toml"))
    got = [(d.loc.line, d.message, d.hint) for d in exc.value.diagnostics]
    assert got == [
        (
            2,
            "scan.fail_on: expected one of ['critical', 'high', 'medium', 'low', 'none'], "
            "found 'severe'",
            "",
        ),
        (
            3,
            "scan.max_advisory_age_days: expected a whole number of days from 1 to 3650, found 0",
            "",
        ),
        (4, "scan.unscaned_ecosystems: unknown setting", "did you mean 'unscanned_ecosystems'?"),
        (6, "scan.ignore[0]: author is required (text)", ""),
        (
            9,
            "scan.ignore[0].expires: expires is required, as a TOML date, found '2027-01-01'",
            "write it unquoted: expires = 2027-03-31",
        ),
        (12, "scan.services.web.fail-on: unknown setting", "did you mean 'fail_on'?"),
        (14, "other: unknown table; this file holds only [scan]", ""),
    ]


def test_not_toml_is_reported_with_its_position() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse("[scan\n", Path("p.toml"))
    (diag,) = exc.value.diagnostics
    assert (diag.loc.line, diag.code) == (1, "scan-policy")


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    pf = load(env={}, cwd=tmp_path, config_home=tmp_path / "cfg")
    assert pf.policy_for("any") == ScanPolicy(service="any")


def test_the_file_is_found_in_order(tmp_path: Path) -> None:
    home = tmp_path / "cfg"
    home.mkdir()
    (home / "scan.toml").write_text("[scan]\n")
    assert find_file({}, tmp_path, home) == home / "scan.toml"
    (tmp_path / "shipyard-scan.toml").write_text("[scan]\n")
    assert find_file({}, tmp_path, home) == tmp_path / "shipyard-scan.toml"
    assert find_file({"SHIPYARD_SCAN_CONFIG": "/x.toml"}, tmp_path, home) == Path("/x.toml")


def test_an_explicit_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot be read"):
        load(env={"SHIPYARD_SCAN_CONFIG": str(tmp_path / "missing.toml")}, cwd=tmp_path)


def test_the_example_policy_is_valid() -> None:
    example = Path(__file__).parents[3] / "examples" / "advisories" / "shipyard-scan.toml"
    policy = parse(example.read_text(), example).policy_for("package")
    assert policy.fail_on == "high"
    assert {i.advisory_id for i in policy.ignores} == {"GHSA-cx63-2mw6-8hw5", "GHSA-5rjg-fvgr-3xxf"}
