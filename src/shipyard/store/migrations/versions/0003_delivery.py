"""Delivery: approval votes, the deployment ledger and environment locks

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "approval_votes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("decision_id", _ID, nullable=False),
        sa.Column("voter", sa.String(length=255), nullable=False),
        sa.Column("approve", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_approval_votes_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_votes")),
        sa.UniqueConstraint(
            "decision_id", "voter", name=op.f("uq_approval_votes_decision_id_voter")
        ),
    )
    op.create_table(
        "deployments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("service", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("environment", sa.String(length=64), nullable=False),
        sa.Column("release", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("build_run_id", _ID, nullable=False),
        sa.Column("commit", sa.String(length=64), nullable=False),
        sa.Column("image", sa.Text(), nullable=False),
        sa.Column("image_digest", sa.String(length=255), nullable=False),
        sa.Column("chart", sa.Text(), nullable=False),
        sa.Column("chart_digest", sa.String(length=255), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("change_cause", sa.Text(), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=False),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deployments_service_environment_id"),
            ["service", "environment", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_deployments_service_version"), ["service", "version"], unique=False
        )
    op.create_table(
        "environment_locks",
        sa.Column("environment", sa.String(length=64), nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("acquired_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("environment", name=op.f("pk_environment_locks")),
    )


def downgrade() -> None:
    op.drop_table("environment_locks")
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deployments_service_version"))
        batch_op.drop_index(batch_op.f("ix_deployments_service_environment_id"))
    op.drop_table("deployments")
    op.drop_table("approval_votes")
