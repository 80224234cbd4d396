"""Logging to stdout as one JSON object per line.

Containers log to stdout and the cluster collects it; JSON lines keep fields (request id,
status, duration) machine-readable without a parser per service.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class JsonLineFormatter(logging.Formatter):
    """Format a record as ``{"time", "level", "service", "message", ...fields}``."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self._service,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"))


def parse_level(name: str) -> int:
    """Map ``LOG_LEVEL`` (debug, info, warning, error; any case) to a logging level."""
    try:
        return _LEVELS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(_LEVELS)}, not {name!r}") from None


def configure_logging(service: str, level: int = logging.INFO) -> None:
    """Send every log record of the process to stdout as JSON lines."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLineFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
