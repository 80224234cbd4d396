"""The server: users, hashed API tokens, the audit log, pull requests with votes and builds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_users")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("revoked_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_api_tokens_digest")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action_id"), ["action", "id"])
    op.create_table(
        "pull_requests",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("repository", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_sha", sa.String(length=64), nullable=False),
        sa.Column("target_sha", sa.String(length=64), nullable=False),
        sa.Column("merge_sha", sa.String(length=64), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("merged_sha", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("completed_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pull_requests")),
    )
    with op.batch_alter_table("pull_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pull_requests_repository_status"), ["repository", "status"]
        )
    op.create_table(
        "pr_votes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("pr_id", _ID, nullable=False),
        sa.Column("voter", sa.String(length=64), nullable=False),
        sa.Column("approve", sa.Boolean(), nullable=False),
        sa.Column("source_sha", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pr_id"], ["pull_requests.id"], name=op.f("fk_pr_votes_pr_id_pull_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pr_votes")),
    )
    with op.batch_alter_table("pr_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pr_votes_pr_id"), ["pr_id"])
    op.create_table(
        "pr_builds",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("pr_id", _ID, nullable=False),
        sa.Column("pipeline", sa.String(length=255), nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("source_sha", sa.String(length=64), nullable=False),
        sa.Column("target_sha", sa.String(length=64), nullable=False),
        sa.Column("merge_sha", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["pr_id"], ["pull_requests.id"], name=op.f("fk_pr_builds_pr_id_pull_requests")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_pr_builds_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pr_builds")),
    )
    with op.batch_alter_table("pr_builds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pr_builds_pr_id"), ["pr_id"])


def downgrade() -> None:
    for table in ("pr_builds", "pr_votes", "pull_requests", "audit_log", "api_tokens", "users"):
        op.drop_table(table)
