"""A JSON Schema for OSV records, as strict as the matcher that reads them.

osv-scanner loads each record of an ecosystem zip with protobuf's JSON decoder and drops,
without a word, every record that decoder refuses: an unknown field at any level (``afected``),
an enum value it does not know (``"type": "SEMVER2"``), a timestamp it cannot parse. A dropped
record is a vulnerability that is never reported, so Shipyard checks records against this
schema first and refuses the import instead.

The shape follows the OSV schema's protobuf messages (``Vulnerability``, ``Affected``,
``Range``, ``Event``, ``Severity``, ``Reference``, ``Credit``) in the snake_case spelling that
osv.dev publishes. ``database_specific`` and ``ecosystem_specific`` are free-form objects,
as in the protobuf (``google.protobuf.Struct``). Semantic rules that a schema cannot say
(a range without an ``introduced`` event, a CVSS vector that does not parse) live in
:mod:`shipyard.scan.records`.
"""

from __future__ import annotations

from typing import Any

TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
_STR: dict[str, Any] = {"type": "string"}
_STRINGS: dict[str, Any] = {"type": "array", "items": _STR}
_STRUCT: dict[str, Any] = {"type": "object"}
_TIME: dict[str, Any] = {"type": "string", "pattern": TIMESTAMP}

RANGE_TYPES = ("GIT", "SEMVER", "ECOSYSTEM")
SEVERITY_TYPES = ("CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu")
SEVERITY_SOURCES = ("SOURCE_UNSPECIFIED", "NVD", "CNA", "SELF")
REFERENCE_TYPES = (
    "NONE",
    "WEB",
    "ADVISORY",
    "REPORT",
    "FIX",
    "PACKAGE",
    "ARTICLE",
    "EVIDENCE",
    "DISCUSSION",
    "DETECTION",
    "INTRODUCED",
    "GIT",
)
CREDIT_TYPES = (
    "UNSPECIFIED",
    "OTHER",
    "FINDER",
    "REPORTER",
    "ANALYST",
    "COORDINATOR",
    "REMEDIATION_DEVELOPER",
    "REMEDIATION_REVIEWER",
    "REMEDIATION_VERIFIER",
    "TOOL",
    "SPONSOR",
)

_SEVERITY: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "score"],
    "properties": {
        "type": {"enum": list(SEVERITY_TYPES)},
        "score": {"type": "string", "minLength": 1},
        "source": {"enum": list(SEVERITY_SOURCES)},
    },
}

_EVENT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        "introduced": {"type": "string", "minLength": 1},
        "fixed": {"type": "string", "minLength": 1},
        "limit": {"type": "string", "minLength": 1},
        "last_affected": {"type": "string", "minLength": 1},
    },
}

_RANGE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "events"],
    "properties": {
        "type": {"enum": list(RANGE_TYPES)},
        "repo": _STR,
        "events": {"type": "array", "minItems": 1, "items": _EVENT},
        "database_specific": _STRUCT,
    },
    "if": {"properties": {"type": {"const": "GIT"}}},
    "then": {"required": ["repo"]},
}

_PACKAGE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ecosystem", "name"],
    "properties": {
        "ecosystem": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "purl": _STR,
    },
}

_AFFECTED: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "package": _PACKAGE,
        "ranges": {"type": "array", "items": _RANGE},
        "versions": _STRINGS,
        "ecosystem_specific": _STRUCT,
        "database_specific": _STRUCT,
        "severity": {"type": "array", "items": _SEVERITY},
    },
}

_REFERENCE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "url"],
    "properties": {"type": {"enum": list(REFERENCE_TYPES)}, "url": {"type": "string"}},
}

_CREDIT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": _STR,
        "contact": _STRINGS,
        "type": {"enum": list(CREDIT_TYPES)},
    },
}

OSV_RECORD_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "OSV record as osv-scanner's local matcher loads it",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "modified"],
    "properties": {
        "schema_version": _STR,
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:+-]*$"},
        "modified": _TIME,
        "published": _TIME,
        "withdrawn": _TIME,
        "aliases": _STRINGS,
        "related": _STRINGS,
        "upstream": _STRINGS,
        "summary": _STR,
        "details": _STR,
        "severity": {"type": "array", "items": _SEVERITY},
        "affected": {"type": "array", "items": _AFFECTED},
        "references": {"type": "array", "items": _REFERENCE},
        "credits": {"type": "array", "items": _CREDIT},
        "database_specific": _STRUCT,
    },
}
