"""Secret values never reach a log: every line is masked before it is stored.

Masking works on whole lines (the output of a step is first assembled into lines, so a
secret written in two pieces, by two ``write()`` calls, is whole again by then) and
covers the forms a secret commonly leaks in:

- the value itself, and each line of a multi-line value;
- its base64 encoding, standard and URL-safe, also when it sits inside a longer encoded
  blob (the three byte alignments, without the edge characters that depend on the
  neighbouring bytes).

Fragments shorter than a few characters are not masked on their own (a one-line piece
``{`` of a JSON secret would otherwise blank every brace in the log); the whole value
always is. Longer patterns are tried first so that a value and its own fragments mask
as one ``***``.
"""

from __future__ import annotations

import base64
import re

MASK = "***"
_MIN_FRAGMENT = 3
_MIN_ENCODED = 6


def variants(secret: str) -> set[str]:
    """Every form of ``secret`` to mask."""
    out = {secret} if secret else set()
    for line in re.split(r"\r?\n", secret):
        if len(line.strip()) >= _MIN_FRAGMENT:
            out.add(line)
    raw = secret.encode("utf-8")
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + raw).decode("ascii")
        head = -(-8 * k // 6)  # characters that carry bits of the k prefix bytes
        tail = 8 * (k + len(raw)) // 6  # characters fully decided by the secret
        core = encoded[head:tail]
        if k == 0:
            out.add(encoded)
            out.add(encoded.rstrip("="))
        if len(core) >= _MIN_ENCODED:
            out.add(core)
    out |= {v.replace("+", "-").replace("/", "_") for v in list(out)}
    return {v for v in out if v}


class SecretMasker:
    def __init__(self, secrets: list[str] | None = None) -> None:
        self._patterns: set[str] = set()
        self._regex: re.Pattern[str] | None = None
        self.longest = 0
        for secret in secrets or ():
            self.add(secret)

    def add(self, secret: str) -> None:
        new = variants(secret) - self._patterns
        if not new:
            return
        self._patterns |= new
        ordered = sorted(self._patterns, key=len, reverse=True)
        self._regex = re.compile("|".join(re.escape(p) for p in ordered))
        self.longest = len(ordered[0])

    def contains_secret(self, text: str) -> bool:
        return self._regex is not None and self._regex.search(text) is not None

    def spans(self, text: str) -> list[tuple[int, int]]:
        if self._regex is None:
            return []
        return [m.span() for m in self._regex.finditer(text)]

    def mask(self, text: str) -> str:
        if self._regex is None:
            return text
        return self._regex.sub(MASK, text)
