"""Draft vs current resource -> the minimal list of commercetools update actions.

Pure functions, no I/O: references in a draft are given by key and turned into ids through `ids`
(a mapping `(typeId, key) -> id` the push filled before). An empty list means "already equal",
which is what makes a second push of the same input change nothing. A draft changes only the
fields it names (`common.manages`), unless `replace` makes it the whole desired state.
"""

from ctsync.push.actions.categories import category_actions, category_create
from ctsync.push.actions.common import (
    Action,
    Ids,
    change_field,
    custom_actions,
    custom_draft,
    manages,
    reference,
    set_field,
    set_reference,
)
from ctsync.push.actions.customers import (
    address_actions,
    address_document,
    customer_actions,
    customer_create,
)
from ctsync.push.actions.inventory import inventory_actions, inventory_create
from ctsync.push.actions.products import (
    attribute_actions,
    category_membership_actions,
    price_actions,
    price_document,
    product_actions,
    product_create,
    publish_actions,
    variant_actions,
    variant_document,
)

__all__ = [
    "Action",
    "Ids",
    "address_actions",
    "address_document",
    "attribute_actions",
    "category_actions",
    "category_create",
    "category_membership_actions",
    "change_field",
    "custom_actions",
    "custom_draft",
    "customer_actions",
    "customer_create",
    "inventory_actions",
    "inventory_create",
    "manages",
    "price_actions",
    "price_document",
    "product_actions",
    "product_create",
    "publish_actions",
    "reference",
    "set_field",
    "set_reference",
    "variant_actions",
    "variant_document",
]
