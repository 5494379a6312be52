"""Alembic's environment for the hub: always run by `ctsync.hub.upgrade` on its own connection.

The connection arrives inside a write transaction that also holds the hub's upgrade lock, so
every migration of one upgrade commits or rolls back together (SQLite and PostgreSQL both have
transactional DDL).
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
