"""Durable run state: SQLite by default, PostgreSQL through the same tables.

Public API: :func:`open_store` (config from the environment, schema migrated) returns a
:class:`~shipyard.store.sql.SqlStore`, which implements the ``RunStore``, ``JobQueue``
and ``RunQueries`` ports of :mod:`shipyard.ports`. Only composition code (the CLI) and
executors import this package; the engine sees the ports.
"""

from shipyard.store.config import StoreConfig
from shipyard.store.sql import SqlStore, open_store

__all__ = ["SqlStore", "StoreConfig", "open_store"]
