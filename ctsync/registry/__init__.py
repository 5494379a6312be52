"""The registry of commercetools entities a sync knows: one generic engine, driven by its rows.

An entity is one `Entity` row beside its pydantic model, in the module of its domain
(`configuration`, `customers`, `product_catalog`, `discounts`, `orders`): its endpoint, type
id, read scope, natural key, the entities it refers to (the order of `sync_all`) and its view
columns. The flows, the deployments (prefect.yaml), the hub's views and the docs' entity table
are derived from the rows, so adding an entity is adding its row and model. The models are
imported from their domain modules.
"""

from ctsync.registry.entity import KEY_SEPARATOR, Entity
from ctsync.registry.lookups import ENTITIES, dependency_levels, entity_of_type, get_entity
from ctsync.registry.resource import Money, Reference, Resource
from ctsync.registry.view_columns import ColumnType, ViewColumn

__all__ = [
    "ENTITIES",
    "KEY_SEPARATOR",
    "ColumnType",
    "Entity",
    "Money",
    "Reference",
    "Resource",
    "ViewColumn",
    "dependency_levels",
    "entity_of_type",
    "get_entity",
]
