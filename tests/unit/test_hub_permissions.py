"""A hub the configured user may not write to is refused with the reason and the fix."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from ctsync.hub import HubStore, HubUnavailable


def test_a_postgresql_user_without_write_permission_is_told_why(postgres_server: str) -> None:
    admin = postgres_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    database, reader = f"hub_{uuid.uuid4().hex[:10]}", f"reader_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
        conn.execute(f'CREATE ROLE "{reader}" LOGIN')
    # PostgreSQL 15+ lets no one but the owner create tables in the public schema.
    host = postgres_server.split("@", 1)[1]
    with pytest.raises(HubUnavailable) as caught:
        HubStore.connect(f"postgresql+psycopg://{reader}@{host}/{database}", password="pw-SENTINEL")
    message = str(caught.value)
    assert "permission denied" in message
    assert f"{reader}:***@" in message and "pw-SENTINEL" not in message
    assert "GRANT" in message or "grant" in message
