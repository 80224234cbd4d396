"""The tables of Shipyard's run store, one definition for SQLite and PostgreSQL.

SQLAlchemy Core tables rather than ORM classes: the store's queries are few and explicit,
and rows become the plain records of :mod:`shipyard.flow.run.records`. Times are epoch
seconds (``Double``) and structured values JSON, which both databases store the same way.
Migrations live in ``migrations/versions``; a test checks that they produce exactly
these tables.

Three kinds of tables, written by different hands:

- run state (``runs``, ``stages``, ``jobs``, ``steps``, ``decisions.applied``): written
  only by the engine loop;
- evidence (``log_lines``, ``test_results``, ``artifacts``): appended by the worker that
  produced it, never changed afterwards;
- inboxes (``job_reports``, ``commands``, ``job_queue``): messages between processes.

Adding results of another kind (vulnerability scans, for instance) means a new table in a
new migration, keyed by ``run_id``/``job_id``/``step_id`` like ``test_results``, written
by the task plugin that produces them through a port of its own.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: A 64-bit id that is still SQLite's auto-incrementing ``INTEGER PRIMARY KEY``.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time: sa.Double[float] = sa.Double()


def _fk(target: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        f"{target}_id",
        Id,
        sa.ForeignKey(f"{target}s.id", ondelete="CASCADE"),
        nullable=nullable,
    )


engines = sa.Table(
    "engines",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", Time, nullable=False),
    sa.Column("heartbeat_at", Time, nullable=False),
    sa.Column("stopped_at", Time),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("pipeline", sa.String(255), nullable=False, index=True),
    sa.Column("file", sa.Text, nullable=False, default=""),
    sa.Column("repo", sa.Text, nullable=False, default=""),
    sa.Column("ref", sa.Text, nullable=False, default=""),
    sa.Column("sha", sa.String(64), nullable=False, default=""),
    sa.Column("reason", sa.String(64), nullable=False, default=""),
    sa.Column("event", sa.JSON, nullable=False, default=dict),
    sa.Column("request", sa.JSON, nullable=False, default=dict),
    sa.Column("spec", sa.JSON),
    sa.Column("variables", sa.JSON),
    sa.Column("build_number", sa.String(255), nullable=False, default=""),
    sa.Column("tags", sa.JSON, nullable=False, default=list),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("engine_id", sa.String(64), index=True),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("started_at", Time),
    sa.Column("finished_at", Time),
)

stages = sa.Table(
    "stages",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("display_name", sa.Text, nullable=False, default=""),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("variables", sa.JSON),
    sa.Column("started_at", Time),
    sa.Column("finished_at", Time),
    sa.UniqueConstraint("run_id", "name"),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    _fk("stage"),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("display_name", sa.Text, nullable=False, default=""),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("worker", sa.String(255), nullable=False, default=""),
    sa.Column("outputs", sa.JSON, nullable=False, default=dict),
    sa.Column("variables", sa.JSON),
    sa.Column("started_at", Time),
    sa.Column("finished_at", Time),
    sa.UniqueConstraint("stage_id", "name"),
)

steps = sa.Table(
    "steps",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    _fk("job"),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("display_name", sa.Text, nullable=False, default=""),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("exit_code", sa.Integer),
    sa.Column("started_at", Time),
    sa.Column("finished_at", Time),
)

job_queue = sa.Table(
    "job_queue",
    metadata,
    sa.Column("job_id", Id, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    _fk("run"),
    sa.Column("engine_id", sa.String(64), index=True),
    sa.Column("spec", sa.JSON, nullable=False),
    sa.Column("queued_at", Time, nullable=False),
    sa.Column("claimed_by", sa.String(255)),
    sa.Column("claimed_at", Time),
    sa.Column("heartbeat_at", Time),
    sa.Column("host", sa.String(255), nullable=False, default=""),
    sa.Column("token", sa.String(64), nullable=False, default=""),
    sa.Column("pgids", sa.JSON, nullable=False, default=list),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
)

job_reports = sa.Table(
    "job_reports",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    sa.Column("job_id", Id, nullable=False),
    sa.Column("step_id", Id),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("data", sa.JSON, nullable=False, default=dict),
    sa.Column("at", Time, nullable=False),
)

commands = sa.Table(
    "commands",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("run_id", Id),
    sa.Column("data", sa.JSON, nullable=False, default=dict),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("taken_by", sa.String(64)),
)

log_lines = sa.Table(
    "log_lines",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    sa.Column("job_id", Id),
    sa.Column("step_id", Id),
    sa.Column("at", Time, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Index(None, "run_id", "id"),
    sa.Index(None, "step_id", "id"),
)

issues = sa.Table(
    "issues",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    sa.Column("job_id", Id),
    sa.Column("step_id", Id),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    sa.Column("job_id", Id),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False, default=0),
    sa.Column("files", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", Time, nullable=False),
    sa.UniqueConstraint("run_id", "kind", "name"),
)

test_results = sa.Table(
    "test_results",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    sa.Column("job_id", Id),
    sa.Column("step_id", Id),
    sa.Column("title", sa.Text, nullable=False, default=""),
    sa.Column("file", sa.Text, nullable=False, default=""),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("class_name", sa.Text, nullable=False, default=""),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("duration_ms", sa.BigInteger, nullable=False, default=0),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("stack", sa.Text, nullable=False, default=""),
    sa.Index(None, "run_id", "outcome"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    sa.Column("stage", sa.String(255), nullable=False, default=""),
    sa.Column("job", sa.String(255), nullable=False, default=""),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("title", sa.Text, nullable=False, default=""),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("data", sa.JSON, nullable=False, default=dict),
    sa.Column("requested_at", Time, nullable=False),
    sa.Column("resolved_at", Time),
    sa.Column("resolved_by", sa.String(255), nullable=False, default=""),
    sa.Column("comment", sa.Text, nullable=False, default=""),
    sa.Column("applied", sa.Boolean, nullable=False, default=False),
)

run_events = sa.Table(
    "run_events",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("run_id", Id, nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, default=""),
    sa.Column("stage", sa.String(255), nullable=False, default=""),
    sa.Column("job", sa.String(255), nullable=False, default=""),
    sa.Column("step", sa.String(255), nullable=False, default=""),
    sa.Column("data", sa.JSON, nullable=False, default=dict),
    sa.Column("at", Time, nullable=False),
)

pending_changes = sa.Table(
    "pending_changes",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("pipeline", sa.String(255), nullable=False),
    sa.Column("branch", sa.Text, nullable=False),
    sa.Column("pushes", sa.JSON, nullable=False),
    sa.Column("request", sa.JSON, nullable=False),
    sa.UniqueConstraint("pipeline", "branch"),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("key", sa.String(512), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

build_records = sa.Table(
    "build_records",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("run"),
    sa.Column("job_id", Id),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("reference", sa.Text, nullable=False, default=""),
    sa.Column("digest", sa.String(255), nullable=False, default=""),
    sa.Column("data", sa.JSON, nullable=False, default=dict),
    sa.Column("created_at", Time, nullable=False),
    sa.Index(None, "run_id", "id"),
)

# -- delivery: approvals' votes, the deployment ledger, environment locks ----------------
# The ledger keeps its rows when runs are pruned (no foreign key): it is the history of
# what ran where, read by ``shipyard history``, ``ledger`` and the DORA figures.

approval_votes = sa.Table(
    "approval_votes",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _fk("decision"),
    sa.Column("voter", sa.String(255), nullable=False),
    sa.Column("approve", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text, nullable=False, default=""),
    sa.Column("at", Time, nullable=False),
    sa.UniqueConstraint("decision_id", "voter"),
)

deployments = sa.Table(
    "deployments",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("service", sa.String(255), nullable=False),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("environment", sa.String(64), nullable=False),
    sa.Column("release", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("run_id", Id, nullable=False, default=0),
    sa.Column("build_run_id", Id, nullable=False, default=0),
    sa.Column("commit", sa.String(64), nullable=False, default=""),
    sa.Column("image", sa.Text, nullable=False, default=""),
    sa.Column("image_digest", sa.String(255), nullable=False, default=""),
    sa.Column("chart", sa.Text, nullable=False, default=""),
    sa.Column("chart_digest", sa.String(255), nullable=False, default=""),
    sa.Column("revision", sa.Integer, nullable=False, default=0),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("change_cause", sa.Text, nullable=False, default=""),
    sa.Column("approvers", sa.JSON, nullable=False, default=list),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("started_at", Time, nullable=False),
    sa.Column("finished_at", Time),
    sa.Index(None, "service", "environment", "id"),
    sa.Index(None, "service", "version"),
)

environment_locks = sa.Table(
    "environment_locks",
    metadata,
    sa.Column("environment", sa.String(64), primary_key=True),
    sa.Column("run_id", Id, nullable=False),
    sa.Column("holder", sa.String(255), nullable=False, default=""),
    sa.Column("acquired_at", Time, nullable=False),
)

# Webhook deliveries, stored before the provider gets its 2xx: a delivery acknowledged is
# never lost (the dispatcher takes ``queued`` rows, also after a restart), and the unique
# (provider, delivery) pair is how a replay is recognised and answered without a second run.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("provider", sa.String(16), nullable=False),
    sa.Column("delivery", sa.String(255), nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # queued, done, rejected
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("runs", sa.JSON, nullable=False, default=list),
    sa.Column("received_at", Time, nullable=False),
    sa.Column("finished_at", Time),
    sa.UniqueConstraint("provider", "delivery"),
    sa.Index(None, "status", "id"),
)

# -- the server: users and their tokens, the audit log, pull requests -----------------------

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("created_at", Time, nullable=False),
)

# Only a token's SHA-256 is kept: tokens are 256 random bits, so a fast hash is as strong as
# a slow one, and a stolen database holds nothing that authenticates.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(255), nullable=False, default=""),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("revoked_at", Time),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("at", Time, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(48), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False, default=dict),
    sa.Index(None, "action", "id"),
)

pull_requests = sa.Table(
    "pull_requests",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("repository", sa.String(255), nullable=False),
    sa.Column("source", sa.String(255), nullable=False),  # branch short names
    sa.Column("target", sa.String(255), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active, completed, abandoned
    sa.Column("source_sha", sa.String(64), nullable=False, default=""),  # last built
    sa.Column("target_sha", sa.String(64), nullable=False, default=""),
    sa.Column("merge_sha", sa.String(64), nullable=False, default=""),
    sa.Column("problem", sa.Text, nullable=False, default=""),  # a merge conflict, say
    sa.Column("merged_sha", sa.String(64)),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("completed_at", Time),
    sa.Index(None, "repository", "status"),
)

pr_votes = sa.Table(
    "pr_votes",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("pr_id", Id, sa.ForeignKey("pull_requests.id"), nullable=False),
    sa.Column("voter", sa.String(64), nullable=False),
    sa.Column("approve", sa.Boolean, nullable=False),
    sa.Column("source_sha", sa.String(64), nullable=False),
    sa.Column("comment", sa.Text, nullable=False, default=""),
    sa.Column("at", Time, nullable=False),
    sa.Index(None, "pr_id"),
)

pr_builds = sa.Table(
    "pr_builds",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("pr_id", Id, sa.ForeignKey("pull_requests.id"), nullable=False),
    sa.Column("pipeline", sa.String(255), nullable=False),
    sa.Column("run_id", Id, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("source_sha", sa.String(64), nullable=False),
    sa.Column("target_sha", sa.String(64), nullable=False),
    sa.Column("merge_sha", sa.String(64), nullable=False),
    sa.Index(None, "pr_id"),
)
