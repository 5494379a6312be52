"""A block loaded by a name no saved block has: a message that names the block type, the name,
the blocks of that type there are, and how to save one, wherever the load came from."""

from __future__ import annotations

from typing import Any, ClassVar

from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL

_LISTED = 20
"""Names of saved blocks a message lists at most."""


class BlockNotFound(ValueError):
    """No block of the type is saved under the name (a ValueError, as Prefect's own)."""


class NamedLoad:
    """`load`/`aload` of a missing name raise BlockNotFound with a message that says what to do.

    Mixed in before the block's Prefect base: it wraps the one step both loads share (reading
    the block document by name), so `load`, `aload` and Prefect's own dispatch stay as they are.
    """

    _save_example: ClassVar[str]
    """How to save one from Python, up to `.save(...)`, e.g. `HubDatabase(url=...)`."""

    @classmethod
    def _get_block_document(cls, name: str, client: Any) -> Any:
        try:
            return super()._get_block_document(name, client)  # type: ignore[misc]
        except ValueError as error:
            if not isinstance(error.__cause__, ObjectNotFound):
                raise
            saved = _names(client.read_block_documents_by_type, cls)
            raise BlockNotFound(cls._not_found(name, saved)) from None

    @classmethod
    async def _aget_block_document(cls, name: str, client: Any) -> Any:
        try:
            return await super()._aget_block_document(name, client)  # type: ignore[misc]
        except ValueError as error:
            if not isinstance(error.__cause__, ObjectNotFound):
                raise
            try:
                found = await client.read_block_documents_by_type(
                    cls.get_block_type_slug(),  # type: ignore[attr-defined]
                    limit=_LISTED,
                    include_secrets=False,
                )
                saved = [d.name for d in found if d.name and not d.is_anonymous]
            except Exception:  # the listing only helps: never hide the message behind it
                saved = None
            raise BlockNotFound(cls._not_found(name, saved)) from None

    @classmethod
    def _not_found(cls, name: str, saved: list[str] | None) -> str:
        kind = cls._block_type_name  # type: ignore[attr-defined]
        server = PREFECT_API_URL.value() or "the ephemeral Prefect server of this process"
        if saved is None:
            others = ""
        elif saved:
            others = f" The {kind} blocks saved there: {', '.join(map(repr, saved))}."
        else:
            others = f" No {kind} block is saved there yet."
        return (
            f"No {kind} block named {name!r} is saved on {server}.{others} Use the name of a "
            f"saved one, or save one under {name!r}: in the Prefect UI (Blocks > Add block > "
            f"{kind}) or from Python with {cls._save_example}.save({name!r})."
        )


def _names(read: Any, block: type[Any]) -> list[str] | None:
    try:
        found = read(block.get_block_type_slug(), limit=_LISTED, include_secrets=False)
    except Exception:  # the listing only helps: never hide the message behind it
        return None
    return [d.name for d in found if d.name and not d.is_anonymous]
