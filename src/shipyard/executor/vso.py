"""Azure's logging commands: ``##vso[area.action key=value;key=value]message``.

Parsing follows Azure's documented format and escapes (``%3B`` for ``;``, ``%0D``/``%0A``
for line breaks, ``%5D`` for ``]``, ``%AZP25`` and the older ``%25`` for ``%``); property
names ignore case. One deliberate difference: a command is recognised only at the start of
a line (after white space). Azure finds ``##vso[`` anywhere, so ``echo "$COMMIT_MESSAGE"``
can smuggle a command in through a commit message; at the start of the line it has to be
printed on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PREFIX = "##vso["

_PROPERTY_ESCAPES = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"))
_DATA_ESCAPES = (("%0D", "\r"), ("%0A", "\n"))


def _unescape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for code, char in escapes:
        text = text.replace(code, char).replace(code.lower(), char)
    return text.replace("%AZP25", "%").replace("%25", "%")


@dataclass(frozen=True, slots=True)
class LoggingCommand:
    area: str
    action: str
    properties: dict[str, str] = field(default_factory=dict)
    data: str = ""

    @property
    def name(self) -> str:
        return f"{self.area}.{self.action}".lower()

    def prop(self, key: str, default: str = "") -> str:
        return self.properties.get(key.lower(), default)

    def flag(self, key: str) -> bool:
        return self.prop(key).strip().lower() == "true"


def parse(line: str) -> LoggingCommand | None:
    """The logging command on ``line``, or None when the line is ordinary output."""
    text = line.lstrip()
    if not text.startswith(PREFIX):
        return None
    end = text.find("]", len(PREFIX))
    if end < 0:
        return None
    head, data = text[len(PREFIX) : end], text[end + 1 :]
    command, _, props = head.strip().partition(" ")
    area, dot, action = command.partition(".")
    if not dot or not area or not action:
        return None
    properties: dict[str, str] = {}
    for item in props.split(";"):
        key, eq, value = item.partition("=")
        if eq and key.strip():
            properties[key.strip().lower()] = _unescape(value, _PROPERTY_ESCAPES)
    return LoggingCommand(area, action, properties, _unescape(data, _DATA_ESCAPES))
