"""The hub database block: where the mirror of commercetools lives, as a Prefect block."""

from __future__ import annotations

import hashlib
import threading
from typing import Annotated, ClassVar

from prefect.blocks.core import Block
from pydantic import ConfigDict, Field, SecretStr, field_validator

from blocks._form import Shown
from blocks._loading import BlockNotFound, NamedLoad
from blocks.credentials import CommercetoolsCredentials
from ctsync.hub import DEFAULT_URL, HubStore, mask_url, parse_url
from ctsync.hub.database import same_database

_stores_lock = threading.Lock()
_stores: dict[tuple[str, str, bool], HubStore] = {}


def _store_for(url: str, password: str | None, echo: bool) -> HubStore:
    """One store (one engine, one connection pool) per database for every task of this process."""
    secret = hashlib.sha256(password.encode()).hexdigest() if password is not None else ""
    key = (same_database(url), secret, echo)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = HubStore.connect(
                url, password=password, echo=echo, project_lookup=credentials_project
            )
        return store


def credentials_project(name: str) -> str | None:
    """The project key of the saved commercetools credentials block `name`, or None when no
    block has that name: how the hub's readers take a block name for its project."""
    try:
        block = CommercetoolsCredentials.load(name, _sync=True)  # type: ignore[call-arg]
    except BlockNotFound:
        return None
    return block.project_key


class HubDatabase(NamedLoad, Block):
    """The hub database: a SQL mirror of commercetools resources that other systems read.

    SQLite (a file, the default) suits one worker machine; PostgreSQL suits a shared hub. Save
    the block under a name and pass that name to the sync flows of this collection.

    Example:
        Load a saved block and count the customers mirrored so far:
        ```python
        from blocks import HubDatabase

        hub = HubDatabase.load("hub").get_store()
        print(hub.records.count("my-store", "customers"))  # a credentials block or project key
        ```
    """

    # Validation errors must never echo the raw input: a URL may carry a password.
    model_config = ConfigDict(hide_input_in_errors=True)

    _block_type_name = "commercetools Hub Database"
    _block_type_slug = "commercetools-hub-database"
    _save_example: ClassVar[str] = 'HubDatabase(url="sqlite:///data/hub.db")'
    _logo_url = "https://docs.commercetools.com/favicon.ico"
    _documentation_url = "https://docs.sqlalchemy.org/en/20/core/engines.html#database-urls"
    _description = (
        "The database that mirrors commercetools resources for other systems: a SQLite file "
        "or PostgreSQL."
    )

    url: str = Field(
        default=DEFAULT_URL,
        title="Database URL",
        description=(
            "A SQLite file path, e.g. sqlite:///data/hub.db (relative to the worker's working "
            "directory; sqlite:////abs/path/hub.db for an absolute path), or "
            "postgresql+psycopg://user@host:5432/db (needs pip install psycopg[binary]). "
            "Leave the password out: put it in the Password field."
        ),
    )
    password: Annotated[SecretStr | None, Shown()] = Field(
        default=None,
        title="Password",
        description="Database password; replaces the URL's password. Not used by SQLite.",
    )
    echo: bool = Field(
        default=False,
        title="Log SQL",
        description="Log every SQL statement the hub runs (for debugging; verbose).",
    )

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        parsed = parse_url(value)  # raises ValueError naming the URL and the expected forms
        if parsed.password is not None:
            raise ValueError(
                f"Database URL {mask_url(parsed)!r} contains a password: remove it from the URL "
                "and put it in the Password field, which is stored as a secret"
            )
        return value.strip()

    def get_store(self) -> HubStore:
        """The hub for this database, shared by every task of this process (one engine per URL).

        Its readers take a project key or the name of a commercetools credentials block (looked
        up once, when the hub holds no project of that key). Raises HubUnavailable when the
        database cannot be reached or created.
        """
        password = self.password.get_secret_value() if self.password is not None else None
        return _store_for(self.url, password, self.echo)
