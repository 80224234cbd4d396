"""How bad an advisory is: GitHub's label, CVSS vectors, or honestly unknown.

An OSV record can say how severe it is in three places: ``database_specific.severity``
(GitHub's reviewed label: CRITICAL, HIGH, MODERATE, LOW), ``severity[]`` at the top level and
``affected[].severity[]`` (CVSS v2, v3.x or v4.0 vectors, or Ubuntu's priority word). Records
of one finding's group (a GHSA and its PYSEC twin) may each say something different.

Shipyard takes the *worst* rating any of them gives: a gate that fails on HIGH must fail when
either GitHub says HIGH or a CVSS base score reaches 7.0, whichever source says so. Base
scores are computed from the vectors with the ``cvss`` library (Red Hat Product Security),
which implements the v2, v3.0/3.1 and v4.0 specifications, rather than trusted from a number
someone typed next to the vector. A record that says nothing is UNKNOWN, never LOW.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from shipyard.domain.scan import Severity

_UBUNTU_WORDS = {"negligible": "LOW", "untriaged": ""}


def cvss_base_score(kind: str, vector: str) -> float:
    """The base score of a CVSS vector of type ``CVSS_V2``/``CVSS_V3``/``CVSS_V4``.

    Raises ValueError (with the library's reason) for a vector that does not parse.
    """
    try:
        if kind == "CVSS_V3":
            return float(CVSS3(vector).base_score)
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V2":
            return float(CVSS2(vector.removeprefix("CVSS:2.0/")).base_score)
    except (CVSSError, KeyError, ValueError, IndexError) as exc:
        raise ValueError(f"not a valid {kind} vector ({exc})") from None
    raise ValueError(f"{kind} is not a CVSS type")


def ubuntu_severity(word: str) -> Severity | None:
    mapped = _UBUNTU_WORDS.get(word.strip().lower(), word)
    return Severity.parse(mapped) if mapped else None


@dataclass(frozen=True, slots=True)
class Rating:
    severity: Severity
    source: str  # "GHSA HIGH", "CVSS_V3 7.5", "unrated"
    score: float | None = None  # the highest CVSS base score seen, if any


UNRATED = Rating(Severity.UNKNOWN, "unrated")


def _entries(record: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    yield from record.get("severity") or ()
    for affected in record.get("affected") or ():
        yield from affected.get("severity") or ()


def record_rating(record: Mapping[str, Any]) -> Rating:
    """The worst rating one record gives itself (UNKNOWN when it gives none).

    Records that reach this function were checked at import (:mod:`shipyard.scan.records`), so
    a vector that does not parse here is skipped rather than fatal.
    """
    best = UNRATED
    best_score: float | None = None
    label = (record.get("database_specific") or {}).get("severity")
    if isinstance(label, str) and (sev := Severity.parse(label)) is not None:
        best = Rating(sev, f"database_specific.severity {label.upper()}")
    for entry in _entries(record):
        kind, score = entry.get("type", ""), entry.get("score", "")
        if kind == "Ubuntu":
            sev = ubuntu_severity(score)
            if sev is not None and sev.rank > best.severity.rank:
                best = Rating(sev, f"Ubuntu priority {score}")
            continue
        try:
            value = cvss_base_score(kind, score)
        except ValueError:
            continue
        best_score = value if best_score is None else max(best_score, value)
        sev = Severity.from_score(value)
        if sev.rank > best.severity.rank:
            best = Rating(sev, f"{kind} {value:.1f}")
    return Rating(best.severity, best.source, best_score)


def worst(ratings: Iterable[Rating]) -> Rating:
    """The worst of several ratings (a group of aliased records); scores keep their maximum."""
    out = UNRATED
    top: float | None = None
    for r in ratings:
        if r.score is not None:
            top = r.score if top is None else max(top, r.score)
        if r.severity.rank > out.severity.rank:
            out = r
    return Rating(out.severity, out.source, top)
