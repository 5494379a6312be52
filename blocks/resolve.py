"""Blocks passed to a flow or task by name (a saved block) or as an instance."""

from __future__ import annotations

from typing import TypeVar

from prefect.blocks.core import Block

from blocks.credentials import CommercetoolsCredentials
from blocks.hub import HubDatabase

B = TypeVar("B", bound=Block)


def _load(block_type: type[B], value: B | str, parameter: str, fix: str) -> B:
    slug = block_type.get_block_type_slug()
    if isinstance(value, block_type):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return block_type.load(value.strip())  # type: ignore[return-value]
        except ValueError as error:
            raise ValueError(
                f"{parameter} {value!r}: no {slug} block of that name could be loaded "
                f"({error}); {fix}"
            ) from None
    raise TypeError(
        f"{parameter} must be the name of a saved {slug} block or a {block_type.__name__} "
        f"instance, not {type(value).__name__}"
    )


def resolve_credentials(credentials: CommercetoolsCredentials | str) -> CommercetoolsCredentials:
    """The credentials block given, or the saved one of that name."""
    return _load(
        CommercetoolsCredentials,
        credentials,
        "credentials",
        "save one in the Prefect UI (Blocks > Add) or with "
        "CommercetoolsCredentials(...).save(name)",
    )


def resolve_hub(hub: HubDatabase | str | None) -> HubDatabase:
    """The hub block given, the saved one of that name, or (None) the default SQLite hub."""
    if hub is None:
        return HubDatabase()
    return _load(
        HubDatabase, hub, "hub", "save one or pass None for the default SQLite hub ./data/hub.db"
    )
