"""Build records: the images, charts and scans a run produced

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "build_records",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("job_id", _ID, nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=255), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_build_records_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_build_records")),
    )
    with op.batch_alter_table("build_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_build_records_run_id_id"), ["run_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("build_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_build_records_run_id_id"))
    op.drop_table("build_records")
