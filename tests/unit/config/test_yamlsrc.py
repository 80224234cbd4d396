"""YAML with locations: what values become, where they were written, and the bounds."""

from __future__ import annotations

from typing import Any

import pytest

from shipyard.config import yamlsrc
from shipyard.config.yamlsrc import YList, YMap, YStr, load_bytes, load_text, loc_of, relocate
from shipyard.domain.diagnostics import Diagnostics, Loc


def load(text: str) -> Any:
    diags = Diagnostics()
    src = load_text(text, "f.yml", diags)
    assert src is not None and not diags, [d.render() for d in diags.items]
    return src.root


def refuse(text: str) -> list[str]:
    diags = Diagnostics()
    assert load_text(text, "f.yml", diags) is None
    return [str(d.loc) + " " + d.message for d in diags.sorted()]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("yes", "yes"),  # YAML 1.1 booleans stay strings, as in Azure
        ("on", "on"),
        ("no", "no"),
        ("~", None),
        ("null", None),
        ("", None),
        ("12", 12),
        ("-3", -3),
        ("0", 0),
        ("+5", 5),
        ("1.10", 1.1),  # as in Azure: quote versions
        ("1e3", 1000.0),
        ("'1.10'", "1.10"),
        ("'12'", "12"),
        ('"true"', "true"),
        ("!!str 12", "12"),
        ("v1.0.2", "v1.0.2"),
        ("1.0.2", "1.0.2"),
        (".", "."),
    ],
)
def test_scalars_resolve_like_yaml_1_2(text: str, value: object) -> None:
    got = load(f"k: {text}\n")["k"]
    assert got == value and type(got) is (YStr if isinstance(value, str) else type(value))


def test_every_value_knows_where_it_was_written() -> None:
    root = load("trigger: none\nsteps:\n- script: echo hi\n  timeoutInMinutes: 5\n")
    assert isinstance(root, YMap) and root.loc == Loc("f.yml", 1, 1)
    assert root.key_loc("steps") == Loc("f.yml", 2, 1)
    assert root["trigger"].loc == Loc("f.yml", 1, 10)
    steps = root["steps"]
    assert isinstance(steps, YList) and steps.loc == Loc("f.yml", 3, 1)
    step = steps[0]
    assert step.loc == Loc("f.yml", 3, 3)
    assert step["script"].loc == Loc("f.yml", 3, 11)
    # numbers cannot carry a location; the mapping remembers it for them
    assert step["timeoutInMinutes"] == 5
    assert step.value_loc("timeoutInMinutes") == Loc("f.yml", 4, 21)
    assert step.value_loc("script") == Loc("f.yml", 3, 11)
    assert step.value_loc("absent") == step.loc


def test_columns_count_characters_not_bytes() -> None:
    root = load("é: ü\nk: [a, ÿ]\n")
    assert root["é"].loc == Loc("f.yml", 1, 4)
    assert root["k"][1].loc == Loc("f.yml", 2, 8)


def test_block_scalars_keep_their_text() -> None:
    root = load("script: |\n  echo one\n  echo two\n")
    assert root["script"] == "echo one\necho two\n"
    assert root["script"].loc == Loc("f.yml", 1, 9)


def test_an_alias_shares_its_anchor_value() -> None:
    root = load("base: &b {pool: x}\nother: *b\n")
    assert root["other"] is root["base"]


def test_an_anchored_scalar_can_be_a_key() -> None:
    root = load("k: &name build\n*name : 1\n")
    assert root["build"] == 1


def test_duplicate_keys_are_reported_and_the_first_wins() -> None:
    diags = Diagnostics()
    src = load_text("a: 1\nb: 2\na: 3\n", "f.yml", diags)
    assert src is not None and src.root == {"a": 1, "b": 2}
    (diag,) = diags.items
    assert diag.loc == Loc("f.yml", 3, 1) and diag.code == "duplicate-key"
    assert diag.message == "duplicate key 'a' (first at line 1)"


def test_a_key_that_is_a_list_is_reported_and_dropped() -> None:
    diags = Diagnostics()
    src = load_text("? [a, b]\n: 1\nc: 2\n", "f.yml", diags)
    assert src is not None and src.root == {"c": 2}
    assert [(d.loc, d.message) for d in diags.items] == [
        (Loc("f.yml", 1, 3), "a mapping key must be a plain string")
    ]


def test_syntax_errors_point_at_the_problem() -> None:
    (message,) = refuse("a: [1, 2\nb: 3\n")
    assert message.startswith("f.yml:2:") and "YAML syntax:" in message


def test_an_unterminated_quote_is_a_syntax_error() -> None:
    (message,) = refuse('a: "open\n')
    assert "YAML syntax:" in message


def test_a_billion_laughs_is_refused_while_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    # the tree is never composed: the refusal comes from the event stream
    monkeypatch.setattr(yamlsrc.yaml, "compose", None)
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
        for p, n in zip("abcdef", "bcdefg", strict=True)
    )
    assert refuse(text) == [
        "f.yml:1:1 the document holds more than 200000 values once its aliases are expanded "
        "(an anchor/alias bomb?)"
    ]


def test_many_aliases_of_one_small_anchor_are_fine_up_to_the_bound() -> None:
    root = load("x: &x 1\ny: [" + ", ".join(["*x"] * yamlsrc.MAX_ALIASES) + "]\n")
    assert len(root["y"]) == yamlsrc.MAX_ALIASES


def test_deep_nesting_is_refused_without_recursion() -> None:
    depth = 10_000
    assert refuse("[" * depth + "]" * depth)[0].endswith("nesting deeper than 64 levels")
    assert refuse("- " * depth + "x") == ["f.yml:1:129 nesting deeper than 64 levels"]


def test_nesting_up_to_the_bound_is_accepted() -> None:
    root = load("- " * yamlsrc.MAX_DEPTH + "x\n")
    for _ in range(yamlsrc.MAX_DEPTH - 1):
        root = root[0]
    assert root == ["x"]


def test_size_is_checked_before_parsing() -> None:
    diags = Diagnostics()
    assert load_bytes(b"a: 1\n" + b"#" * yamlsrc.MAX_BYTES, "f.yml", diags) is None
    assert [d.message for d in diags.items] == ["file is larger than 1048576 bytes"]


def test_text_that_is_not_utf8_is_refused() -> None:
    diags = Diagnostics()
    assert load_bytes(b"a: \xff\xfe\n", "f.yml", diags) is None
    assert [d.message for d in diags.items] == ["not UTF-8 text: invalid start byte at byte 3"]


def test_a_byte_order_mark_is_accepted() -> None:
    diags = Diagnostics()
    src = load_bytes("\ufeffa: 1\n".encode(), "f.yml", diags)
    assert src is not None and src.root == {"a": 1} and not diags


def test_control_characters_are_located() -> None:
    assert refuse("a: b\nc: d\x07\n") == [
        "f.yml:2:5 not a YAML text file: character #x0007 is not allowed"
    ]


def test_a_second_document_is_refused() -> None:
    assert refuse("a: 1\n---\nb: 2\n") == [
        "f.yml:2:1 a pipeline file holds one YAML document; found a second one"
    ]


def test_an_empty_document_is_none() -> None:
    diags = Diagnostics()
    src = load_text("# only a comment\n", "f.yml", diags)
    assert src is not None and src.root is None and not diags


def test_relocate_gives_computed_values_a_place() -> None:
    here = Loc("f.yml", 7, 3)
    value = relocate({"a": ["x", 2.0], "b": True}, here)
    assert isinstance(value, YMap) and value.loc == here
    assert value.key_loc("a") == here and value.value_loc("b") == here
    assert isinstance(value["a"][0], YStr) and value["a"][0].loc == here
    assert value["a"][1] == 2 and isinstance(value["a"][1], int)
    kept = YStr("x", Loc("g.yml", 1, 1))
    assert relocate(kept, here) is kept


def test_loc_of_falls_back_for_plain_scalars() -> None:
    here = Loc("f.yml", 1, 1)
    assert loc_of(5, here) == here and loc_of(None, here) == here
