"""Output helpers shared by every command: text through Rich, or stable JSON."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

from rich.console import Console


class OutputFormat(StrEnum):
    """``--output``: ``text`` for people, ``json`` for scripts (documented shapes in docs/)."""

    text = "text"
    json = "json"


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
