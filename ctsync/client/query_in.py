"""Every resource whose field is one of many values, in as few queries as fit a URL: `in (…)`
queries, never one per value (the push's lookups, `follow_changes`' fetches by id)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ctsync.client.http import CommercetoolsClient
from ctsync.client.pages import MAX_PAGE_SIZE

# commercetools answers 414 past ~8 KB of URL; predicates stay well below, whatever the keys,
# and 100 ids (38 characters each, quoted) fit one.
MAX_PREDICATE_CHARS = 4200
MAX_VALUES_PER_PREDICATE = 100


def predicate_chunks(field_name: str, values: Sequence[str]) -> list[str]:
    """`field in ("a", "b")` predicates, each short enough for a URL and a page."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for value in values:
        literal = json.dumps(value, ensure_ascii=False)
        full = len(current) >= MAX_VALUES_PER_PREDICATE
        if current and (size + len(literal) > MAX_PREDICATE_CHARS or full):
            chunks.append(f"{field_name} in ({', '.join(current)})")
            current, size = [], 0
        current.append(literal)
        size += len(literal) + 2
    if current:
        chunks.append(f"{field_name} in ({', '.join(current)})")
    return chunks


async def query_in(
    client: CommercetoolsClient, endpoint: str, field_name: str, values: Sequence[str]
) -> list[dict[str, Any]]:
    """Every resource whose `field_name` is one of `values`, in as few queries as fit a URL."""
    found: list[dict[str, Any]] = []
    for predicate in predicate_chunks(field_name, values):
        # A chunk holds at most 100 values; inventory may hold several entries per SKU.
        last_id: str | None = None
        while True:
            where = [predicate] if last_id is None else [predicate, f'id > "{last_id}"']
            page = await client.query(endpoint, where=where, sort=["id asc"], limit=MAX_PAGE_SIZE)
            found.extend(page.results)
            if len(page.results) < MAX_PAGE_SIZE:
                break
            last_id = page.results[-1]["id"]
    return found
