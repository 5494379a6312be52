"""What each consumer of the feed was set up with: the file it writes, the format, the
entities, the project and (CSV) the header's columns, so that an export writes only into its
own file, with the settings it started with (`ctsync/export/guard.py`).

Consumers already in the hub keep their cursor and get NULL settings: their next export
records the settings it is given, adopting their file only when it holds such an export.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("feed_consumers", sa.Column("path", sa.Text))
    op.add_column("feed_consumers", sa.Column("format", sa.String))
    op.add_column("feed_consumers", sa.Column("entities", _json()))
    op.add_column("feed_consumers", sa.Column("project_key", sa.String))
    op.add_column("feed_consumers", sa.Column("columns", _json()))
    # Two consumers never share a file: their changes would interleave.
    op.create_index("ix_feed_consumers_path", "feed_consumers", ["path"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_feed_consumers_path", "feed_consumers")
    for column in ("columns", "project_key", "entities", "format", "path"):
        op.drop_column("feed_consumers", column)
