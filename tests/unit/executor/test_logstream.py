"""From output chunks to lines: split writes, split characters, huge and binary lines."""

from __future__ import annotations

from shipyard.executor.logstream import LineAssembler, binary_marker
from shipyard.executor.masking import SecretMasker


def test_lines_are_assembled_across_chunks() -> None:
    a = LineAssembler()
    assert a.feed(b"hel") == []
    assert [line.text for line in a.feed(b"lo\nwor")] == ["hello"]
    assert [line.text for line in a.feed(b"ld\r\n")] == ["world"]
    assert [line.text for line in a.close()] == []


def test_a_utf8_character_split_between_chunks_survives() -> None:
    data = "café ✓\n".encode()
    a = LineAssembler()
    out = []
    for i in range(len(data)):
        out += a.feed(data[i : i + 1])
    assert [line.text for line in out] == ["café ✓"]


def test_the_last_line_without_newline_is_kept() -> None:
    a = LineAssembler()
    a.feed(b"no newline")
    assert [line.text for line in a.close()] == ["no newline"]


def test_a_huge_line_is_cut_with_a_marker_and_bounded_memory() -> None:
    a = LineAssembler(max_line=100)
    out = []
    for _ in range(1000):
        out += a.feed(b"x" * 1000)
        assert len(a._buf) <= 200  # bounded, however long the line gets
    out += a.feed(b"\nnext\n")
    assert out[0].text == "x" * 100
    assert out[0].dropped == 1_000_000 - 100
    assert "line truncated" in out[0].shown
    assert out[1].text == "next"


def test_a_cut_never_splits_a_secret() -> None:
    secret = "TOPSECRET"
    masker = SecretMasker([secret])
    a = LineAssembler(max_line=20, spans=masker.spans, longest=lambda: masker.longest)
    out = a.feed(("a" * 16 + secret + "b" * 100).encode()) + a.close()
    kept = out[0].text
    assert secret[:4] not in masker.mask(kept)
    assert kept == "a" * 16


def test_binary_lines_are_replaced_by_a_marker() -> None:
    assert binary_marker("\x00\x01\x02ELF") is not None
    assert binary_marker("\ufffd" * 20) is not None
    assert binary_marker("plain text with a ✓") is None
