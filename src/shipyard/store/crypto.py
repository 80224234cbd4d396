"""Secret values at rest: encrypted with a key that never enters the database.

Secret variables (queue-time secrets, ``isSecret`` outputs of steps) must survive a
restart, since a run can wait days for an approval, yet must never be readable in the
database or its backups. They are stored as Fernet tokens (AES-128-CBC with an HMAC,
from the ``cryptography`` package): ``{"enc": "<token>"}`` in place of the value.

The key comes from ``SHIPYARD_SECRET_KEY`` or a key file created on first use with mode
0600. Losing the key loses the secrets of unfinished runs, nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from shipyard.domain.diagnostics import EnvironmentProblem


class SecretBox:
    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)

    @classmethod
    def from_file(cls, path: Path, key: str | None = None) -> SecretBox:
        if key:
            return cls(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process created it first: read theirs
            else:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def seal(self, value: str) -> dict[str, str]:
        return {"enc": self._fernet.encrypt(value.encode("utf-8")).decode("ascii")}

    def open(self, sealed: Any) -> str:
        if isinstance(sealed, dict) and "enc" in sealed:
            try:
                return self._fernet.decrypt(str(sealed["enc"]).encode("ascii")).decode("utf-8")
            except InvalidToken:
                raise EnvironmentProblem(
                    "a stored secret cannot be decrypted with this key",
                    hint="set SHIPYARD_SECRET_KEY to the key the run was started with",
                ) from None
        return str(sealed)
