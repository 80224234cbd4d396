"""The SQL store: one object that is the engine's ``RunStore``, the workers' ``JobQueue``
and the CLI's ``RunQueries``, over SQLite or PostgreSQL."""

from __future__ import annotations

from shipyard.store.base import StoreBase
from shipyard.store.config import StoreConfig
from shipyard.store.crypto import SecretBox
from shipyard.store.database import create_engine, ensure_schema
from shipyard.store.engine_side import EngineSide
from shipyard.store.inbox import InboxSide
from shipyard.store.queries import QuerySide
from shipyard.store.worker_side import WorkerSide


class SqlStore(EngineSide, InboxSide, WorkerSide, QuerySide, StoreBase):
    """See :mod:`shipyard.store.engine_side`, ``inbox``, ``worker_side`` and ``queries``."""


def open_store(config: StoreConfig | None = None, *, migrate: bool = True) -> SqlStore:
    """The store the environment points at, its schema brought up to date."""
    config = config or StoreConfig.from_env()
    engine = create_engine(config.url)
    if migrate:
        ensure_schema(engine)
    box = SecretBox.from_file(config.key_file, config.key)
    config.artifacts.mkdir(parents=True, exist_ok=True)
    return SqlStore(engine, box, config.artifacts)
