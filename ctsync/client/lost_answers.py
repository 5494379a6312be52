"""What a write whose answer was lost did, read from commercetools before anything is sent again.

A create is looked up by the identity commercetools keeps unique for its draft (`identity`): the
key; a customer's email; an inventory entry's SKU and supply channel; a custom object's container
and key. A draft with none of them cannot be found again, so it is not sent again either: the
OutcomeUnknown is raised with the fix (give drafts keys).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote

from ctsync.client.errors import NotFound, OutcomeUnknown
from ctsync.client.http import CommercetoolsClient
from ctsync.client.identity import customer_emails, is_customer, is_inventory_entry

MAX_LOST_ANSWERS = 3
"""Sends of one write after lost answers that a read showed had not landed."""

T = TypeVar("T")


async def write_once(
    send: Callable[[], Awaitable[T]],
    read_back: Callable[[OutcomeUnknown], Awaitable[T | None]],
) -> T:
    """`send()`'s answer. When it is lost, `read_back(lost)` finds what the write did (None: it
    did not land, so it is sent again, at most MAX_LOST_ANSWERS more times) or raises."""
    for sent in range(MAX_LOST_ANSWERS + 1):
        try:
            return await send()
        except OutcomeUnknown as lost:
            found = await read_back(lost)
            if found is not None:
                return found
            if sent == MAX_LOST_ANSWERS:
                raise
    raise AssertionError("unreachable")


async def find_created(
    client: CommercetoolsClient, endpoint: str, draft: dict[str, Any], lost: OutcomeUnknown
) -> dict[str, Any] | None:
    """The resource a lost create of `draft` made, None when it did not land; `lost`, with the
    fix added, when nothing in the draft identifies it."""
    collection = endpoint.rsplit("/", 1)[-1]
    if endpoint.startswith("custom-objects") and draft.get("container") and draft.get("key"):
        path = f"custom-objects/{quote(draft['container'], safe='')}/{quote(draft['key'], safe='')}"
        return await _get_or_none(client, path)
    if isinstance(draft.get("key"), str) and draft["key"]:
        return await _get_or_none(client, f"{endpoint}/key={quote(draft['key'], safe='')}")
    if collection == "customers" and isinstance(draft.get("email"), str):
        return await _customer_by_email(client, endpoint, draft["email"])
    if collection == "inventory" and isinstance(draft.get("sku"), str):
        return await _inventory_entry(client, endpoint, draft)
    raise lost.explained(
        f"the {collection} draft has no key (nor another field commercetools keeps unique) "
        "to look it up by, so it is not sent again: give drafts keys"
    ) from None


async def _get_or_none(client: CommercetoolsClient, path: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await client.request("GET", path)
    except NotFound:
        return None
    return found


async def _customer_by_email(
    client: CommercetoolsClient, endpoint: str, email: str
) -> dict[str, Any] | None:
    """commercetools keeps customer emails unique regardless of case."""
    values = ", ".join(json.dumps(v) for v in customer_emails(email))
    page = await client.query(endpoint, where=f"email in ({values})", limit=20)
    return next((c for c in page.results if is_customer(c, email)), None)


async def _inventory_entry(
    client: CommercetoolsClient, endpoint: str, draft: dict[str, Any]
) -> dict[str, Any] | None:
    """An inventory entry is unique by SKU and supply channel (none is a channel of its own)."""
    channel = draft.get("supplyChannel") or None
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    if isinstance(channel, dict) and not channel_id and channel.get("key"):
        found = await _get_or_none(client, f"channels/key={quote(channel['key'], safe='')}")
        if found is None:
            return None  # the create could not have landed: its channel does not exist
        channel_id = found["id"]
    page = await client.query(endpoint, where=f"sku = {json.dumps(draft['sku'])}", limit=500)
    return next((e for e in page.results if is_inventory_entry(e, draft["sku"], channel_id)), None)
