"""Parsing logging commands as Azure writes them."""

from __future__ import annotations

from shipyard.executor.vso import parse


def test_properties_and_data_are_parsed_and_unescaped() -> None:
    cmd = parse("##vso[task.setvariable variable=a%3Bb;isSecret=true;IsOutput=TRUE]x%0Ay%AZP25")
    assert cmd is not None
    assert cmd.name == "task.setvariable"
    assert cmd.prop("variable") == "a;b"
    assert cmd.flag("issecret") and cmd.flag("isoutput")
    assert cmd.data == "x\ny%"


def test_leading_white_space_is_allowed_but_not_text_before() -> None:
    assert parse("   ##vso[build.addbuildtag]t") is not None
    assert parse("echo ##vso[build.addbuildtag]t") is None


def test_malformed_commands_are_ordinary_output() -> None:
    assert parse("##vso[noaction]x") is None
    assert parse("##vso[task.setvariable variable=x") is None
    assert parse("plain") is None
