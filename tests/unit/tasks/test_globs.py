"""Result and artifact patterns read like Azure's minimatch patterns."""

from __future__ import annotations

from pathlib import Path

from shipyard.tasks.globs import find_files, matcher


def test_double_star_crosses_folders_and_star_does_not() -> None:
    match = matcher(["**/TEST-*.xml"])
    assert match("TEST-a.xml") and match("x/y/TEST-b.xml")
    assert not match("x/TEST-b.json")
    assert matcher(["*.trx"])("a.trx") and not matcher(["*.trx"])("d/a.trx")


def test_exclusions_win() -> None:
    match = matcher(["**/*.xml", "!**/skip/**"])
    assert match("a/b.xml") and not match("a/skip/b.xml")


def test_files_are_found_under_the_search_folder(tmp_path: Path) -> None:
    for rel in ("TestResults/a.trx", "TestResults/sub/b.trx", ".git/c.trx", "other/d.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = find_files(tmp_path, ["**/*.trx"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "TestResults/a.trx",
        "TestResults/sub/b.trx",
    ]
    assert find_files(tmp_path, [f"{tmp_path}/TestResults/*.trx"]) == [
        tmp_path / "TestResults/a.trx"
    ]
