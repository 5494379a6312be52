"""The change feed: a change number and kind on every record, its counter, consumers' cursors.

Records already in the hub are numbered in the order they were synced (a deleted one as a
deletion), so a consumer starting from 0 reads everything the hub holds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("records", sa.Column("seq", sa.BigInteger))
    op.add_column("records", sa.Column("change", sa.String))
    op.execute(
        "WITH numbered AS (SELECT project_key, entity, id, "
        "ROW_NUMBER() OVER (ORDER BY synced_at, project_key, entity, id) AS n FROM records) "
        "UPDATE records SET seq = numbered.n, "
        "change = CASE WHEN records.deleted_at IS NULL THEN 'insert' ELSE 'delete' END "
        "FROM numbered WHERE records.project_key = numbered.project_key "
        "AND records.entity = numbered.entity AND records.id = numbered.id"
    )
    op.create_index("ix_records_seq", "records", ["seq"], unique=True)
    op.create_table(
        "hub_counters",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO hub_counters (name, value) "
        "SELECT 'records.seq', COALESCE(MAX(seq), 0) FROM records"
    )
    op.create_table(
        "feed_consumers",
        sa.Column("consumer", sa.String, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("exported", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feed_consumers")
    op.drop_table("hub_counters")
    op.drop_index("ix_records_seq", "records")
    op.drop_column("records", "change")
    op.drop_column("records", "seq")
