"""Where the store lives: the database URL, the artifact folder and the secret key.

Defaults follow the XDG base directory rules, like the rest of Shipyard: the database and
the key are *state* (``$XDG_STATE_HOME/shipyard``), artifacts are *data* users would miss
(``$XDG_DATA_HOME/shipyard/artifacts``). Environment variables override each:

- ``SHIPYARD_DATABASE_URL``: any SQLAlchemy URL; ``postgresql+psycopg://user@host/db``
  for PostgreSQL. A plain ``postgresql://`` URL is read as psycopg 3.
- ``SHIPYARD_ARTIFACTS_DIR``: the artifact folder.
- ``SHIPYARD_SECRET_KEY``: the key that encrypts secret values at rest (a Fernet key);
  without it a key file is created next to the database, readable by its owner only.
  Every process that shares a database (workers on other machines, later) needs the
  same key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shipyard.xdg import xdg_dir


@dataclass(frozen=True, slots=True)
class StoreConfig:
    url: str
    artifacts: Path
    key_file: Path
    key: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoreConfig:
        env = os.environ if env is None else env
        state = xdg_dir(env, "XDG_STATE_HOME", ".local/state") / "shipyard"
        data = xdg_dir(env, "XDG_DATA_HOME", ".local/share") / "shipyard"
        url = env.get("SHIPYARD_DATABASE_URL") or f"sqlite:///{state / 'shipyard.db'}"
        artifacts = Path(env.get("SHIPYARD_ARTIFACTS_DIR") or data / "artifacts")
        return cls(
            url=normalise_url(url),
            artifacts=artifacts,
            key_file=Path(env.get("SHIPYARD_SECRET_KEY_FILE") or state / "secret.key"),
            key=env.get("SHIPYARD_SECRET_KEY") or None,
        )

    def child_env(self) -> dict[str, str]:
        """The variables that point a worker process at this same store."""
        out = {
            "SHIPYARD_DATABASE_URL": self.url,
            "SHIPYARD_ARTIFACTS_DIR": str(self.artifacts),
            "SHIPYARD_SECRET_KEY_FILE": str(self.key_file),
        }
        if self.key:
            out["SHIPYARD_SECRET_KEY"] = self.key
        return out


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3, the driver Shipyard ships."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
