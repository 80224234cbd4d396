"""Severity from GitHub labels and CVSS vectors (v2, v3.x, v4.0): the worst source wins."""

from __future__ import annotations

import pytest

from shipyard.domain.scan import Severity
from shipyard.scan.severity import cvss_base_score, record_rating, worst

V31_HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
V31_MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:N"  # 5.9 (GHSA-v845-jxx5-vc9f)


def test_base_scores_follow_the_specifications() -> None:
    assert cvss_base_score("CVSS_V3", V31_HIGH) == 7.5
    assert cvss_base_score("CVSS_V3", V31_MEDIUM) == 5.9
    assert cvss_base_score("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H") == 8.8
    assert cvss_base_score("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H") == 10.0
    v4 = "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N"
    assert cvss_base_score("CVSS_V4", v4) == 5.9
    assert cvss_base_score("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P") == 7.5


@pytest.mark.parametrize(
    ("kind", "vector"),
    [
        ("CVSS_V3", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
        ("CVSS_V3", "7.5"),
        ("CVSS_V4", V31_HIGH),
        ("CVSS_V9", V31_HIGH),
    ],
)
def test_a_vector_that_does_not_parse_is_an_error(kind: str, vector: str) -> None:
    with pytest.raises(ValueError, match=r"not a valid|not a CVSS type"):
        cvss_base_score(kind, vector)


def test_a_cvss_score_of_7_is_high_without_a_label() -> None:
    rating = record_rating({"id": "PYSEC-1", "severity": [{"type": "CVSS_V3", "score": V31_HIGH}]})
    assert (rating.severity, rating.source, rating.score) == (Severity.HIGH, "CVSS_V3 7.5", 7.5)


def test_the_worse_of_label_and_score_wins() -> None:
    rec = {
        "id": "GHSA-1",
        "database_specific": {"severity": "MODERATE"},
        "severity": [{"type": "CVSS_V3", "score": V31_HIGH}],
    }
    assert record_rating(rec).severity is Severity.HIGH
    rec["database_specific"] = {"severity": "CRITICAL"}
    rating = record_rating(rec)
    assert (rating.severity, rating.source, rating.score) == (
        Severity.CRITICAL,
        "database_specific.severity CRITICAL",
        7.5,
    )


def test_affected_level_vectors_and_ubuntu_priorities_count() -> None:
    rec = {"id": "X", "affected": [{"severity": [{"type": "CVSS_V3", "score": V31_MEDIUM}]}]}
    assert record_rating(rec).severity is Severity.MEDIUM
    ubuntu = {"id": "UBUNTU-1", "severity": [{"type": "Ubuntu", "score": "negligible"}]}
    assert record_rating(ubuntu).severity is Severity.LOW


def test_a_record_that_says_nothing_is_unknown_not_low() -> None:
    rating = record_rating({"id": "PYSEC-2021-108"})
    assert (rating.severity, rating.source, rating.score) == (Severity.UNKNOWN, "unrated", None)


def test_a_group_takes_its_worst_record() -> None:
    group = worst(
        [
            record_rating({"id": "PYSEC-2021-108"}),
            record_rating({"id": "GHSA-q2q7", "database_specific": {"severity": "HIGH"}}),
            record_rating({"id": "Y", "severity": [{"type": "CVSS_V3", "score": V31_MEDIUM}]}),
        ]
    )
    assert (group.severity, group.score) == (Severity.HIGH, 5.9)
