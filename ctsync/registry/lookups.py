"""Every entity by name, in the registry's order, and the lookups the engine and flows use."""

from __future__ import annotations

from collections.abc import Iterable
from graphlib import TopologicalSorter

from ctsync.registry import configuration, customers, discounts, orders, product_catalog
from ctsync.registry.entity import Entity

ENTITIES: dict[str, Entity] = {
    entity.name: entity
    for group in (configuration, customers, product_catalog, discounts, orders)
    for entity in group.ROWS
}
"""The order is the deployments', the views' and the docs table's."""
_BY_TYPE_ID: dict[str, Entity] = {entity.type_id: entity for entity in ENTITIES.values()}


def get_entity(name: str) -> Entity:
    """The entity called `name`, or a ValueError listing the known names."""
    try:
        return ENTITIES[name]
    except KeyError:
        known = ", ".join(sorted(ENTITIES))
        raise ValueError(f"unknown entity {name!r}: use one of {known}") from None


def entity_of_type(type_id: str) -> Entity:
    """The entity a reference with this `typeId` points to."""
    try:
        return _BY_TYPE_ID[type_id]
    except KeyError:
        known = ", ".join(sorted(_BY_TYPE_ID))
        raise ValueError(f"unknown reference typeId {type_id!r}: use one of {known}") from None


def dependency_levels(names: Iterable[str] | None = None) -> list[list[str]]:
    """Entities grouped so that each group depends only on earlier groups (run a group at once).

    Dependencies outside `names` are ignored: syncing a subset never drags in other entities.
    """
    chosen = [get_entity(n).name for n in (names or ENTITIES)]
    wanted = set(chosen)
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for name in chosen:
        sorter.add(name, *(d for d in ENTITIES[name].depends_on if d in wanted))
    sorter.prepare()
    levels = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        levels.append(ready)
        sorter.done(*ready)
    return levels
