"""What every part of the SQL store shares: the engine, the secret box, the artifact root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from shipyard.store import codec
from shipyard.store.crypto import SecretBox


class StoreBase:
    def __init__(self, engine: sa.Engine, box: SecretBox, artifact_root: Path) -> None:
        self._engine = engine
        self._box = box
        self._artifact_root = artifact_root

    @property
    def engine(self) -> sa.Engine:
        return self._engine

    @property
    def artifact_root(self) -> Path:
        return self._artifact_root

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def _seal(self, tree: Any) -> Any:
        return codec.seal(tree, self._box)

    def _unseal(self, tree: Any) -> Any:
        return codec.unseal(tree, self._box)

    def close(self) -> None:
        self._engine.dispose()
