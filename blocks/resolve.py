"""Blocks passed to a flow or task by name (a saved block) or as an instance."""

from __future__ import annotations

from typing import TypeVar

from prefect.blocks.core import Block
from pydantic import ValidationError

from blocks._loading import BlockNotFound
from blocks.credentials import CommercetoolsCredentials
from blocks.hub import HubDatabase
from blocks.queue import SqsDestination
from ctsync.client.config import validation_message

B = TypeVar("B", bound=Block)


def _load(block_type: type[B], value: B | str, parameter: str, fix: str = "") -> B:
    slug = block_type.get_block_type_slug()
    if isinstance(value, block_type):
        return value
    if isinstance(value, str) and value.strip():
        name = value.strip()
        try:
            return block_type.load(name)  # type: ignore[return-value]
        except RuntimeError as error:
            # Saved (from the UI, say) with values the block refuses: say which and how to mend.
            if not isinstance(error.__cause__, ValidationError):
                raise
            raise ValueError(
                f"{parameter} block {name!r} cannot be used: "
                f"{validation_message(error.__cause__).rstrip('.')}. Edit it in the Prefect UI "
                f"(Blocks > {name} > Edit) or save it again from Python."
            ) from None
        except BlockNotFound as error:
            raise ValueError(f"{parameter} {name!r}: {error}{fix}") from None
        except ValueError as error:
            raise ValueError(
                f"{parameter} {name!r}: no {slug} block of that name could be loaded ({error})"
            ) from None
    raise TypeError(
        f"{parameter} must be the name of a saved {slug} block or a {block_type.__name__} "
        f"instance, not {type(value).__name__}"
    )


def resolve_credentials(credentials: CommercetoolsCredentials | str) -> CommercetoolsCredentials:
    """The credentials block given, or the saved one of that name."""
    return _load(CommercetoolsCredentials, credentials, "credentials")


# The Prefect variable that names the hub of every run that names none: one setting for all
# deployments and workers of a server (a PostgreSQL hub in production) instead of a `hub`
# parameter on each of them.
HUB_VARIABLE = "commercetools_hub"


def resolve_hub(hub: HubDatabase | str | None) -> HubDatabase:
    """The hub block given, the saved one of that name, or (None) the block the Prefect variable
    `commercetools_hub` names, else the default SQLite hub `./data/hub.db`."""
    if hub is None:
        default = default_hub_name()
        if default is None:
            return HubDatabase()
        return _load(
            HubDatabase,
            default,
            f"hub (Prefect variable {HUB_VARIABLE})",
            f" Or change the variable: prefect variable set {HUB_VARIABLE} <block name> "
            f"--overwrite, or prefect variable unset {HUB_VARIABLE} for ./data/hub.db.",
        )
    return _load(HubDatabase, hub, "hub", " Or leave hub empty for the SQLite file data/hub.db.")


def default_hub_name() -> str | None:
    """The hub block named by the Prefect variable `commercetools_hub`, if it is set."""
    from prefect.variables import Variable

    value = Variable.get(HUB_VARIABLE, default=None)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError(
            f"Prefect variable {HUB_VARIABLE} is {value!r}: it must be the name of a saved "
            f"Hub Database block (prefect variable set {HUB_VARIABLE} my-hub --overwrite)"
        )
    return value.strip()


def resolve_destination(destination: SqsDestination | str) -> SqsDestination:
    """The queue destination block given, or the saved one of that name."""
    return _load(
        SqsDestination,
        destination,
        "destination",
        " Save one first: SqsDestination(queue_url=..., region=...).save('changes-queue').",
    )
