"""Every entity a push knows, by registry name: the four first pushes and the groups after them
(project configuration, catalog set-up, discounts and shipping, lists and custom objects)."""

from __future__ import annotations

from typing import Any

from ctsync.push.catalog_setup import CATALOG_SETUP_PUSHES
from ctsync.push.configuration import CONFIGURATION_PUSHES
from ctsync.push.discounts import DISCOUNT_PUSHES
from ctsync.push.entities import CATEGORIES, CUSTOMERS, INVENTORY, PRODUCTS, PushEntity
from ctsync.push.lists import LIST_PUSHES

PUSH_ENTITIES: dict[str, PushEntity[Any]] = {
    e.name: e
    for e in (
        CUSTOMERS,
        CATEGORIES,
        PRODUCTS,
        INVENTORY,
        *CONFIGURATION_PUSHES,
        *CATALOG_SETUP_PUSHES,
        *DISCOUNT_PUSHES,
        *LIST_PUSHES,
    )
}


def get_push_entity(name: str) -> PushEntity[Any]:
    """The push of entity `name`, or a ValueError listing the entities a push knows."""
    try:
        return PUSH_ENTITIES[name]
    except KeyError:
        known = ", ".join(sorted(PUSH_ENTITIES))
        raise ValueError(f"no push for entity {name!r}: pushes exist for {known}") from None
