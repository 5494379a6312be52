"""The change number of each record's insertion into the hub, kept when it changes later.

The feed is compacted (a record holds only its latest change), so an order inserted and then
updated between two reads shows as an update: a consumer that wants what is new ("orders
inserted since my last run") reads `inserted_seq` instead. Records already in the hub take
their current number, the order 0002 gave them, so a consumer starting from 0 reads them all.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("records", sa.Column("inserted_seq", sa.BigInteger))
    op.execute("UPDATE records SET inserted_seq = seq")
    op.create_index("ix_records_inserted_seq", "records", ["entity", "inserted_seq"])


def downgrade() -> None:
    op.drop_index("ix_records_inserted_seq", "records")
    op.drop_column("records", "inserted_seq")
