"""The hub as it was before migrations: records, sync state, dead letters, runs, outbox, locks.

Frozen here as the code of commit 0332f44 created it with `metadata.create_all`: a hub made
then has these tables and no `alembic_version`, and is stamped with this revision before it is
upgraded (`ctsync/hub/upgrade.py`).

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def _time() -> sa.types.TypeEngine:
    return sa.DateTime(timezone=True)


def _serial() -> sa.Column:
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("project_key", sa.String, primary_key=True),
        sa.Column("entity", sa.String, primary_key=True),
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("key", sa.String),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.String, nullable=False),
        sa.Column("last_modified_at", sa.String, nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("synced_at", _time(), nullable=False),
        sa.Column("deleted_at", _time()),
        sa.Column("last_seen_run", sa.String),
    )
    op.create_index(
        "ix_records_modified", "records", ["project_key", "entity", "last_modified_at", "id"]
    )
    op.create_index("ix_records_key", "records", ["project_key", "entity", "key"])
    op.create_table(
        "sync_state",
        sa.Column("project_key", sa.String, primary_key=True),
        sa.Column("entity", sa.String, primary_key=True),
        sa.Column("direction", sa.String, primary_key=True),
        sa.Column("watermark_last_modified_at", sa.String),
        sa.Column("watermark_id", sa.String),
        sa.Column("cursor", _json()),
        sa.Column("updated_at", _time()),
    )
    op.create_table(
        "dead_letters",
        _serial(),
        sa.Column("project_key", sa.String, nullable=False),
        sa.Column("entity", sa.String, nullable=False),
        sa.Column("record_id", sa.String),
        sa.Column("run_id", sa.String),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("document", _json()),
        sa.Column("created_at", _time(), nullable=False),
    )
    op.create_index("ix_dead_letters_entity", "dead_letters", ["project_key", "entity", "run_id"])
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String, primary_key=True),
        sa.Column("project_key", sa.String, nullable=False),
        sa.Column("entity", sa.String, nullable=False),
        sa.Column("direction", sa.String, nullable=False),
        sa.Column("mode", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("started_at", _time(), nullable=False),
        sa.Column("finished_at", _time()),
        sa.Column("counts", _json()),
        sa.Column("error", sa.Text),
        sa.Column("flow_run_id", sa.String),
    )
    op.create_table(
        "outbox",
        _serial(),
        sa.Column("project_key", sa.String, nullable=False),
        sa.Column("entity", sa.String, nullable=False),
        sa.Column("record_key", sa.String),
        sa.Column("draft", _json(), nullable=False),
        sa.Column("enqueued_at", _time(), nullable=False),
        sa.Column("processed_at", _time()),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_outbox_pending", "outbox", ["project_key", "entity", "processed_at", "id"])
    op.create_table(
        "sync_locks",
        sa.Column("project_key", sa.String, primary_key=True),
        sa.Column("entity", sa.String, primary_key=True),
        sa.Column("direction", sa.String, primary_key=True),
        sa.Column("holder", sa.String, nullable=False),
        sa.Column("host", sa.String, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("acquired_at", _time(), nullable=False),
        sa.Column("heartbeat_at", _time(), nullable=False),
    )


def downgrade() -> None:
    for table in ("sync_locks", "outbox", "runs", "dead_letters", "sync_state", "records"):
        op.drop_table(table)
