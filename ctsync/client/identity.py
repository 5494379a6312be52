"""How a created resource is found again: by what commercetools keeps unique for it. A key
where the resource has one; a customer's email, regardless of case; an inventory entry's SKU and
supply channel (none is a channel of its own); a custom object's container and key.

The push matches its drafts with these rules, and a lost create (`lost_answers`) is read back
with them: one definition for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def customer_emails(email: str) -> list[str]:
    """The values a customer's email is queried by: as given and in lower case."""
    return list(dict.fromkeys((email, email.lower())))


def is_customer(candidate: Mapping[str, Any], email: str) -> bool:
    """Whether `candidate` is the customer of that email (compared regardless of case)."""
    return str(candidate.get("email", "")).lower() == email.lower()


def is_inventory_entry(candidate: Mapping[str, Any], sku: str, channel_id: str | None) -> bool:
    """Whether `candidate` is the inventory entry of that SKU and supply channel id."""
    have = (candidate.get("supplyChannel") or {}).get("id")
    return candidate.get("sku") == sku and have == channel_id


def is_custom_object(candidate: Mapping[str, Any], container: str, key: str) -> bool:
    """Whether `candidate` is the custom object of that container and key."""
    return (candidate.get("container"), candidate.get("key")) == (container, key)
