"""Alembic's entry point for Shipyard's store: migrations run on the connection the store
opened (``config.attributes['connection']``), or on ``sqlalchemy.url`` from the command
line when a maintainer generates a new revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from shipyard.store.schema import metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
