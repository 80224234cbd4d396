"""Request ids: one id follows a request through every service that handles it.

A caller may send ``X-Request-ID``; a well-formed value is kept so that logs of several
services line up, anything else is replaced by a fresh id so that a client cannot inject
text into our log lines.
"""

from __future__ import annotations

import re
import uuid

REQUEST_ID_HEADER = "X-Request-ID"

_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def ensure_request_id(incoming: str | None) -> str:
    """Return ``incoming`` when it is a safe id, otherwise a new random one."""
    if incoming is not None and _VALID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex
