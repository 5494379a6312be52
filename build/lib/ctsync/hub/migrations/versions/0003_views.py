"""Views other systems read: the change feed (`hub_changes`) and the typed views of every entity.

Views are derived from the registry and rebuilt whole: a release that changes one ships a
migration that calls these functions again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from alembic import op

from ctsync.hub import feed, views

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    feed.replace_changes_view(connection)
    views.replace_views(connection)


def downgrade() -> None:
    connection = op.get_bind()
    for statement in views.drop_view_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(f"DROP VIEW IF EXISTS {feed.CHANGES_VIEW}")
