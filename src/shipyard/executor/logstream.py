"""From a process's output chunks to log lines, with bounded memory.

Output arrives in arbitrary pieces: half a line, three lines and a bit, a UTF-8 character
split in two. :class:`LineAssembler` decodes incrementally and hands out whole lines, so
that masking and ``##vso[`` commands always see complete text.

Bounds, so that a step printing a gigabyte on one line, or a binary file, cannot exhaust
memory or the database:

- a line longer than ``max_line`` characters is cut there (never through the middle of a
  secret: the cut moves back to where that secret starts), marked, and the rest of it is
  read and dropped;
- a line holding NUL characters, or mostly undecodable bytes, is binary: it is replaced by
  a marker saying how many bytes were not shown.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass

MAX_LINE = 64 * 1024

SpanFinder = Callable[[str], list[tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    dropped: int = 0  # characters of this line that were cut away

    @property
    def shown(self) -> str:
        if self.dropped:
            return f"{self.text} ...[line truncated: {self.dropped} more characters]"
        return self.text


def binary_marker(text: str) -> str | None:
    """A marker for a binary line, or None when the line is text."""
    bad = text.count("\ufffd")
    if "\x00" in text or (len(text) >= 16 and bad * 10 > len(text)):
        return f"[binary output: {len(text.encode('utf-8', 'replace'))} bytes not shown]"
    return None


class LineAssembler:
    def __init__(
        self,
        max_line: int = MAX_LINE,
        spans: SpanFinder | None = None,
        longest: Callable[[], int] | None = None,
    ) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buf = ""
        self._max = max_line
        self._spans = spans or (lambda _t: [])
        self._longest = longest or (lambda: 0)
        self._dropping = 0  # >0 while the rest of a cut line is being skipped
        self._cut: str | None = None

    def feed(self, chunk: bytes) -> list[Line]:
        return self._take(self._decoder.decode(chunk))

    def close(self) -> list[Line]:
        out = self._take(self._decoder.decode(b"", final=True))
        if self._cut is not None:
            out.append(Line(self._cut, self._dropping + len(self._buf)))
        elif self._buf:
            out.append(Line(self._buf.rstrip("\r")))
        self._buf, self._cut, self._dropping = "", None, 0
        return out

    def _take(self, text: str) -> list[Line]:
        out: list[Line] = []
        while text:
            newline = text.find("\n")
            piece, text = (text, "") if newline < 0 else (text[:newline], text[newline + 1 :])
            if self._cut is not None:
                self._dropping += len(piece)
                if newline >= 0:
                    out.append(Line(self._cut, self._dropping))
                    self._cut, self._dropping = None, 0
                continue
            self._buf += piece
            if newline >= 0:
                out.append(Line(self._buf.rstrip("\r")))
                self._buf = ""
            elif len(self._buf) > self._max + self._longest():
                self._start_cut()
                if newline < 0 and not text:
                    break
        return out

    def _start_cut(self) -> None:
        cut = self._max
        for start, end in self._spans(self._buf):
            if start < cut < end:
                cut = start
                break
        self._cut = self._buf[:cut]
        self._dropping = len(self._buf) - cut
        self._buf = ""
