"""The gate's policy: a settings file per installation, one section per service.

Policy is operations' decision, not the pipeline author's, so it lives in settings rather than
in pipeline YAML, in its own file because the platform settings file (``shipyard.toml``) is a
fixed table that refuses keys it does not know. The file is the first of
``$SHIPYARD_SCAN_CONFIG`` (must exist), ``./shipyard-scan.toml``,
``$XDG_CONFIG_HOME/shipyard/scan.toml``; without one the defaults apply.

    [scan]
    fail_on = "high"                 # critical | high | medium | low | none
    unknown_severity = "warn"        # fail | warn: findings no record rates
    max_advisory_age_days = 7        # newest advisory record of an ecosystem in use
    unscanned_ecosystems = []             # e.g. ["Go"]: knowingly unscanned, said in every result

    [[scan.ignore]]                  # applies to every service
    id = "GHSA-cx63-2mw6-8hw5"
    reason = "the wheel only seeds virtual environments; never imported"
    author = "platform-team"
    expires = 2027-03-31             # a TOML date; after it the ignore stops applying

    [scan.services.package]          # a service's own settings override the global ones;
    fail_on = "critical"             # its ignores are added to the global ones
    [[scan.services.package.ignore]]
    ...

Every problem is collected with the file and line, then reported together.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from shipyard.domain.diagnostics import Diagnostics, InvalidInput, Loc, did_you_mean
from shipyard.domain.scan import FAIL_ON_CHOICES, FailOn, Ignore, ScanPolicy, UnknownPolicy

CODE = "scan-policy"
FILE_NAME = "shipyard-scan.toml"
_SETTINGS = ("fail_on", "unknown_severity", "max_advisory_age_days", "unscanned_ecosystems")
_IGNORE_KEYS = ("id", "reason", "author", "expires")


@dataclass(frozen=True, slots=True)
class PolicyFile:
    """The validated file: global settings and each service's overrides."""

    settings: Mapping[str, Any] = field(default_factory=dict)
    ignores: tuple[Ignore, ...] = ()
    services: Mapping[str, tuple[Mapping[str, Any], tuple[Ignore, ...]]] = field(
        default_factory=dict
    )
    source: Path | None = None

    def policy_for(self, service: str = "") -> ScanPolicy:
        merged = dict(self.settings)
        ignores = self.ignores
        own = self.services.get(service)
        if own is not None:
            merged.update(own[0])
            ignores = ignores + own[1]
        return ScanPolicy(
            fail_on=cast(FailOn, merged.get("fail_on", "high")),
            unknown_severity=cast(UnknownPolicy, merged.get("unknown_severity", "warn")),
            max_advisory_age_days=int(merged.get("max_advisory_age_days", 7)),
            unscanned_ecosystems=tuple(merged.get("unscanned_ecosystems", ())),
            ignores=ignores,
            service=service,
        )


def find_file(env: Mapping[str, str], cwd: Path, config_home: Path) -> Path | None:
    explicit = env.get("SHIPYARD_SCAN_CONFIG", "")
    if explicit:
        return Path(explicit).expanduser()
    for candidate in (cwd / FILE_NAME, config_home / "scan.toml"):
        if candidate.is_file():
            return candidate
    return None


def _lines(text: str) -> dict[str, int]:
    """Best-effort line of each table and key: ``scan.ignore[1].expires`` -> 17."""
    where: dict[str, int] = {}
    counts: dict[str, int] = {}
    current = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if m := re.fullmatch(r"\[\[\s*([^\]]+?)\s*\]\]", line):
            name = m[1].replace(" ", "")
            counts[name] = counts.get(name, 0) + 1
            current = f"{name}[{counts[name] - 1}]"
            where[current] = number
        elif m := re.fullmatch(r"\[\s*([^\]]+?)\s*\]", line):
            current = m[1].replace(" ", "")
            where.setdefault(current, number)
        elif m := re.match(r"([A-Za-z0-9_\-\"']+)\s*=", line):
            key = m[1].strip("\"'")
            where.setdefault(f"{current}.{key}" if current else key, number)
    return where


class _Checker:
    def __init__(self, source: Path, text: str, diags: Diagnostics) -> None:
        self.source = source
        self.where = _lines(text)
        self.diags = diags

    def loc(self, path: str) -> Loc:
        while path and path not in self.where:
            path = path.rpartition(".")[0]
        return Loc(str(self.source), self.where.get(path, 0))

    def error(self, path: str, message: str, hint: str = "") -> None:
        self.diags.add(self.loc(path), f"{path}: {message}", code=CODE, hint=hint)

    def settings(
        self, table: Mapping[str, Any], path: str, allowed: tuple[str, ...]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in table.items():
            here = f"{path}.{key}"
            if key not in allowed:
                self.error(here, "unknown setting", did_you_mean(key, list(allowed)))
            elif key == "fail_on":
                if value in FAIL_ON_CHOICES:
                    out[key] = value
                else:
                    self.error(here, f"expected one of {list(FAIL_ON_CHOICES)}, found {value!r}")
            elif key == "unknown_severity":
                if value in ("fail", "warn"):
                    out[key] = value
                else:
                    self.error(here, f"expected 'fail' or 'warn', found {value!r}")
            elif key == "max_advisory_age_days":
                if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3650:
                    out[key] = value
                else:
                    self.error(
                        here, f"expected a whole number of days from 1 to 3650, found {value!r}"
                    )
            elif key == "unscanned_ecosystems":
                if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
                    out[key] = tuple(value)
                else:
                    self.error(here, f"expected a list of ecosystem names, found {value!r}")
        return out

    def ignores(self, value: Any, path: str) -> tuple[Ignore, ...]:
        if not isinstance(value, list):
            self.error(path, "expected [[...ignore]] tables (an array of tables)")
            return ()
        out: list[Ignore] = []
        for i, entry in enumerate(value):
            here = f"{path}[{i}]"
            if not isinstance(entry, dict):
                self.error(here, "expected a table with id, reason, author and expires")
                continue
            ok = True
            for key in entry:
                if key not in _IGNORE_KEYS:
                    self.error(
                        f"{here}.{key}", "unknown key", did_you_mean(key, list(_IGNORE_KEYS))
                    )
                    ok = False
            for key in ("id", "reason", "author"):
                if not isinstance(entry.get(key), str) or not entry[key].strip():
                    self.error(
                        f"{here}.{key}" if key in entry else here, f"{key} is required (text)"
                    )
                    ok = False
            expires = entry.get("expires")
            if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
                self.error(
                    f"{here}.expires" if "expires" in entry else here,
                    f"expires is required, as a TOML date, found {expires!r}",
                    hint="write it unquoted: expires = 2027-03-31",
                )
                ok = False
            if ok and isinstance(expires, dt.date):
                line = self.loc(here)
                out.append(
                    Ignore(
                        entry["id"].strip(),
                        entry["reason"].strip(),
                        entry["author"].strip(),
                        expires,
                        where=f"{Path(line.file).name}:{line.line}",
                    )
                )
        return tuple(out)


def parse(text: str, source: Path) -> PolicyFile:
    """Validate a policy file's text; raise InvalidInput with every problem found."""
    diags = Diagnostics()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(m[1]), int(m[2])) if m else (0, 0)
        diags.add(Loc(str(source), line, col), f"not valid TOML: {exc}", code=CODE)
        raise InvalidInput(diags, "the scan policy file is not valid TOML") from None
    check = _Checker(source, text, diags)
    for key in data:
        if key != "scan":
            check.error(
                key, "unknown table; this file holds only [scan]", did_you_mean(key, ["scan"])
            )
    scan = data.get("scan", {})
    settings = check.settings(
        {k: v for k, v in scan.items() if k not in ("ignore", "services")},
        "scan",
        (*_SETTINGS, "ignore", "services"),
    )
    ignores = check.ignores(scan["ignore"], "scan.ignore") if "ignore" in scan else ()
    services: dict[str, tuple[Mapping[str, Any], tuple[Ignore, ...]]] = {}
    for name, table in (scan.get("services") or {}).items():
        here = f"scan.services.{name}"
        if not isinstance(table, dict):
            check.error(here, "expected a table of settings")
            continue
        own = check.settings(
            {k: v for k, v in table.items() if k != "ignore"}, here, (*_SETTINGS, "ignore")
        )
        own_ignores = check.ignores(table["ignore"], f"{here}.ignore") if "ignore" in table else ()
        services[name] = (own, own_ignores)
    if diags:
        raise InvalidInput(diags, f"the scan policy has {len(diags)} problem(s)")
    return PolicyFile(settings, ignores, services, source)


def load(
    env: Mapping[str, str] | None = None, cwd: Path | None = None, config_home: Path | None = None
) -> PolicyFile:
    """The policy in force: the first policy file found, or the defaults."""
    env = os.environ if env is None else env
    home = config_home or Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "shipyard"
    source = find_file(env, cwd or Path.cwd(), home)
    if source is None:
        return PolicyFile()
    try:
        text = source.read_text()
    except OSError as exc:
        diags = Diagnostics()
        diags.add(Loc(str(source)), f"cannot read the scan policy: {exc.strerror}", code=CODE)
        raise InvalidInput(diags, "the scan policy file cannot be read") from None
    return parse(text, source)
