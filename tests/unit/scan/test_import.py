"""``advisories import``: every record checked, file and field named, nothing changed on error."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from shipyard.domain.diagnostics import InvalidInput
from shipyard.scan import advisories, import_advisories, store
from tests.unit.scan.fakes import NOW, record, write_records


def _messages(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [f"{d.loc}: {d.message}" for d in exc.value.diagnostics]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): (
            p.read_bytes() if p.is_file() else b"->" + str(p.readlink()).encode()
        )
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def _bad(tmp_path: Path, mutate: Any) -> Path:
    rec = record("GHSA-bad", "pip", "23.3", label="MODERATE")
    mutate(rec)
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "GHSA-bad.json").write_text(json.dumps(rec))
    return folder


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r.update(afected=r.pop("affected")),
            "(record): Additional properties are not allowed ('afected' was unexpected)",
        ),
        (
            lambda r: r["affected"][0]["ranges"][0].update(type="SEMVER2"),
            "affected[0].ranges[0].type: 'SEMVER2' is not one of",
        ),
        (
            lambda r: r["affected"][0]["ranges"][0]["events"].pop(0),
            "affected[0].ranges[0].events: no 'introduced' event",
        ),
        (lambda r: r.update(modified="yesterday"), "modified: 'yesterday' does not match"),
        (lambda r: r.update(modified="2026-02-30T00:00:00Z"), "modified: not a valid timestamp"),
        (
            lambda r: r.update(severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:Z"}]),
            "severity[0].score: not a valid CVSS_V3 vector",
        ),
        (
            lambda r: r["database_specific"].update(severity="SEVERE"),
            "database_specific.severity: expected CRITICAL, HIGH",
        ),
        (lambda r: r.pop("id"), "(record): 'id' is a required property"),
        (
            lambda r: r["affected"][0].update(ranges=[], versions=[]),
            "affected[0]: neither ranges nor versions",
        ),
        (
            lambda r: r["affected"][0]["package"].update(ecosystem="../PyPI"),
            "affected[0].package.ecosystem: not an ecosystem name",
        ),
        (
            lambda r: r["affected"][0]["ranges"][0]["events"].append({"fixed": "1", "limit": "2"}),
            "affected[0].ranges[0].events[2]: {'fixed': '1', 'limit': '2'} has too many properties",
        ),
    ],
)
def test_a_malformed_record_is_refused_with_file_and_field_and_nothing_changes(
    tmp_path: Path, adv: Path, mutate: Any, expected: str
) -> None:
    before = _snapshot(adv)
    source = _bad(tmp_path, mutate)
    with pytest.raises(InvalidInput) as exc:
        import_advisories([source, tmp_path / "records"], adv, now=NOW)
    messages = _messages(exc)
    assert any(m.startswith(f"{source}/GHSA-bad.json: {expected}") for m in messages), messages
    assert "nothing was imported" in exc.value.message
    assert _snapshot(adv) == before


def test_json_syntax_errors_have_a_line_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.json").write_text('{\n  "id": "X",\n  "modified": \n}')
    with pytest.raises(InvalidInput) as exc:
        import_advisories([folder], tmp_path / "adv", now=NOW)
    assert _messages(exc) == [f"{folder}/broken.json:4:1: not valid JSON: Expecting value"]
    assert not (tmp_path / "adv").exists() or not (tmp_path / "adv" / "current").exists()


def test_records_inside_a_zip_are_named_by_member(tmp_path: Path) -> None:
    path = tmp_path / "PyPI" / "all.zip"
    path.parent.mkdir()
    good = record("GHSA-ok", "pip", "1")
    bad = record("GHSA-no", "pip", "1")
    bad["affected"][0]["package"]["nmae"] = "x"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("GHSA-ok.json", json.dumps(good))
        zf.writestr("GHSA-no.json", json.dumps(bad))
    with pytest.raises(InvalidInput) as exc:
        import_advisories([path], tmp_path / "adv", now=NOW)
    assert _messages(exc) == [
        f"{path}!GHSA-no.json: affected[0].package: Additional properties are not allowed "
        "('nmae' was unexpected)"
    ]


def test_an_osv_dev_style_zip_imports(tmp_path: Path) -> None:
    path = tmp_path / "all.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for rid in ("GHSA-a", "GHSA-b"):
            zf.writestr(f"{rid}.json", json.dumps(record(rid, "pip", "1")))
    report = import_advisories([path], tmp_path / "adv", now=NOW)
    assert report.imported == ("PyPI",)
    assert report.db.ecosystems["PyPI"].records == 2


def test_names_are_normalised_and_git_ranges_moved_last(tmp_path: Path) -> None:
    rec = record("PYSEC-1", "Zope.Interface_X", "5.0")
    rec["affected"][0]["ranges"].insert(
        0, {"type": "GIT", "repo": "https://x/y", "events": [{"introduced": "0"}, {"fixed": "abc"}]}
    )
    report = import_advisories([write_records(tmp_path / "in", rec)], tmp_path / "adv", now=NOW)
    entry = report.db.ecosystems["PyPI"]
    assert (entry.renamed, entry.reordered) == (1, 1)
    with zipfile.ZipFile(report.db.root / entry.zip_path) as zf:
        staged = json.loads(zf.read("PYSEC-1.json"))
        members = sorted(zf.namelist())
    assert staged["affected"][0]["package"]["name"] == "zope-interface-x"
    assert [r["type"] for r in staged["affected"][0]["ranges"]] == ["ECOSYSTEM", "GIT"]
    assert members == ["PYSEC-1.json", "SHIPYARD-SYNTHETIC-CANARY-PYPI.json"]


def test_the_manifest_records_counts_newest_time_and_checksums(adv: Path) -> None:
    db = store.load(adv)
    pypi = db.ecosystems["PyPI"]
    assert (pypi.records, pypi.synthetic, pypi.newest_modified) == (2, 0, "2026-11-20T00:00:00Z")
    assert pypi.sha256 == store.sha256_file(db.root / pypi.zip_path)
    assert db.ecosystems["Debian"].synthetic == 1
    assert db.imported_at == "2026-11-26T12:00:00Z"
    assert (adv / "current").is_symlink()


def test_the_same_records_give_the_same_zip(tmp_path: Path, records_dir: Path) -> None:
    a = import_advisories([records_dir], tmp_path / "a", now=NOW).db.ecosystems["PyPI"].sha256
    b = import_advisories([records_dir], tmp_path / "b", now=NOW).db.ecosystems["PyPI"].sha256
    assert a == b


def test_other_ecosystems_are_carried_over_unless_replaced(tmp_path: Path, adv: Path) -> None:
    npm = write_records(tmp_path / "npm", record("GHSA-n", "lodash", "4.17.21", ecosystem="npm"))
    report = import_advisories([npm], adv, now=NOW)
    assert report.carried == ("Debian", "PyPI")
    assert set(store.load(adv).ecosystems) == {"Debian", "PyPI", "npm"}
    store.verify(store.load(adv))
    report = import_advisories([npm], adv, now=NOW, replace=True)
    assert set(store.load(adv).ecosystems) == {"npm"}


def test_a_corrupt_generation_is_not_carried_over(tmp_path: Path, adv: Path) -> None:
    db = store.load(adv)
    (db.root / db.ecosystems["Debian"].zip_path).write_bytes(b"junk")
    npm = write_records(tmp_path / "npm", record("GHSA-n", "lodash", "4.17.21", ecosystem="npm"))
    with pytest.raises(Exception, match="Debian advisory data changed after import"):
        import_advisories([npm], adv, now=NOW)


def test_the_newer_of_two_records_with_one_id_wins(tmp_path: Path) -> None:
    old = record("GHSA-x", "pip", "1", modified="2026-01-01T00:00:00Z")
    new = record("GHSA-x", "pip", "2", modified="2026-02-01T00:00:00Z")
    write_records(tmp_path / "in" / "a", new)
    write_records(tmp_path / "in" / "b", old)
    db = import_advisories([tmp_path / "in"], tmp_path / "adv", now=NOW).db
    with zipfile.ZipFile(db.root / "osv-scalibr/PyPI/all.zip") as zf:
        assert json.loads(zf.read("GHSA-x.json"))["affected"][0]["ranges"][0]["events"][1] == {
            "fixed": "2"
        }


def test_two_different_records_with_one_id_and_time_are_refused(tmp_path: Path) -> None:
    write_records(tmp_path / "in" / "a", record("GHSA-x", "pip", "1"))
    write_records(tmp_path / "in" / "b", record("GHSA-x", "pip", "2"))
    with pytest.raises(InvalidInput, match="problem"):
        import_advisories([tmp_path / "in"], tmp_path / "adv", now=NOW)


def test_canary_ids_are_reserved(tmp_path: Path) -> None:
    rec = record("SHIPYARD-SYNTHETIC-CANARY-PYPI", "pip", "1")
    with pytest.raises(InvalidInput) as exc:
        import_advisories([write_records(tmp_path / "in", rec)], tmp_path / "adv", now=NOW)
    assert "reserved" in _messages(exc)[0]


def test_records_naming_no_package_are_counted_not_staged(tmp_path: Path) -> None:
    bare = {"id": "CVE-2026-1", "modified": "2026-01-01T00:00:00Z"}
    folder = write_records(tmp_path / "in", bare, record("GHSA-a", "pip", "1"))
    report = import_advisories([folder], tmp_path / "adv", now=NOW)
    assert report.without_package == 1
    assert report.db.ecosystems["PyPI"].records == 1


@pytest.mark.parametrize("name", ["nothing-here", "empty-dir", "notes.txt"])
def test_inputs_without_records_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(InvalidInput):
        import_advisories([tmp_path / name], tmp_path / "adv", now=NOW)


def test_a_failure_while_staging_leaves_the_current_data_alone(
    tmp_path: Path, adv: Path, records_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(adv)

    def disk_full(records: Any, dest: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(advisories, "_write_zip", disk_full)
    with pytest.raises(OSError, match="No space"):
        import_advisories([records_dir], adv, now=NOW)
    assert _snapshot(adv) == before


def test_old_generations_are_pruned(tmp_path: Path, adv: Path, records_dir: Path) -> None:
    for _ in range(3):
        import_advisories([records_dir], adv, now=NOW)
    assert len(list((adv / "generations").iterdir())) == 2
