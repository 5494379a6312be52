"""Catalog set-up update actions (product types, channels, customer groups, stores): each one
emitted exactly when a field the draft manages differs, never otherwise; null unsets; `replace`
unsets what is absent; a resource turned into a draft and created again is the same resource."""

from __future__ import annotations

from typing import Any

import pytest

from ctsync.client.errors import CommercetoolsError
from ctsync.push.keys import NotCopyable
from ctsync.push.resources.channels import PUSH as CHANNELS
from ctsync.push.resources.channels import ChannelDraft, channel_actions, channel_create
from ctsync.push.resources.customer_groups import PUSH as CUSTOMER_GROUPS
from ctsync.push.resources.customer_groups import (
    CustomerGroupDraft,
    customer_group_actions,
    customer_group_create,
)
from ctsync.push.resources.product_types import PUSH as PRODUCT_TYPES
from ctsync.push.resources.product_types import (
    ProductTypeDraft,
    UnchangeableAttribute,
    product_type_actions,
    product_type_create,
)
from ctsync.push.resources.stores import PUSH as STORES
from ctsync.push.resources.stores import StoreDraft, store_actions, store_create

IDS = {
    ("type", "extra"): "type-1",
    ("type", "other"): "type-2",
    ("channel", "eu"): "chan-1",
    ("channel", "us"): "chan-2",
    ("product-selection", "summer"): "sel-1",
    ("product-selection", "winter"): "sel-2",
    ("product-type", "dimensions"): "pt-dim",
}
KEYS = {(type_id, id_): key for (type_id, key), id_ in IDS.items()}


def key_of(type_id: str, resource_id: str) -> str | None:
    return KEYS.get((type_id, resource_id))


def stored(document: dict[str, Any], **system: Any) -> dict[str, Any]:
    """A created document as commercetools would hold it."""
    return {
        "id": "r-1",
        "version": 1,
        "createdAt": "2024-01-01T00:00:00.000Z",
        **document,
        **system,
    }


# --- product types ----------------------------------------------------------------------------

SIZE = {
    "name": "size",
    "label": {"en": "Size"},
    "type": {"name": "enum", "values": [{"key": "s", "label": "S"}, {"key": "m", "label": "M"}]},
}
COLOR = {
    "name": "color",
    "label": {"en": "Color"},
    "type": {
        "name": "set",
        "elementType": {"name": "lenum", "values": [{"key": "red", "label": {"en": "Red"}}]},
    },
}
MATERIAL = {"name": "material", "label": {"en": "Material"}, "type": {"name": "text"}}


def product_type(**fields: Any) -> ProductTypeDraft:
    base = {"key": "shirt", "name": "Shirt", "description": "Shirts", "attributes": [SIZE, COLOR]}
    return ProductTypeDraft.model_validate({**base, **fields})


def pt_current(**attribute_changes: dict[str, Any]) -> dict[str, Any]:
    """The stored shirt type, with changes to its attributes by name."""
    current = stored(product_type_create(product_type(), IDS))
    current["attributes"] = [
        {**a, **attribute_changes.get(a["name"], {})} for a in current["attributes"]
    ]
    return current


def pt_actions(draft: ProductTypeDraft, current: dict[str, Any], replace: bool = False) -> Any:
    return product_type_actions(draft, current, IDS, replace)


def test_equal_product_type_needs_no_action() -> None:
    assert pt_actions(product_type(), pt_current()) == []


def test_name_and_description_change() -> None:
    draft = product_type(name="Shirts", description="All shirts")
    assert pt_actions(draft, pt_current()) == [
        {"action": "changeName", "name": "Shirts"},
        {"action": "changeDescription", "description": "All shirts"},
    ]


def test_attributes_are_the_desired_set_in_order() -> None:
    draft = product_type(attributes=[COLOR, MATERIAL])
    assert pt_actions(draft, pt_current()) == [
        {"action": "removeAttributeDefinition", "name": "size"},
        {
            "action": "addAttributeDefinition",
            "attribute": {
                "type": {"name": "text"},
                "name": "material",
                "label": {"en": "Material"},
                "isRequired": False,
                "attributeConstraint": "None",
                "inputHint": "SingleLine",
                "isSearchable": True,
                "level": "Variant",
            },
        },
    ]
    assert pt_actions(product_type(attributes=[COLOR, SIZE]), pt_current()) == [
        {"action": "changeAttributeOrderByName", "attributeNames": ["color", "size"]}
    ]
    assert pt_actions(product_type(attributes=[]), pt_current()) == [
        {"action": "removeAttributeDefinition", "name": "size"},
        {"action": "removeAttributeDefinition", "name": "color"},
    ]
    removed = pt_actions(product_type(attributes=[]), pt_current())
    assert pt_actions(product_type(attributes=None), pt_current()) == removed  # null: none
    absent = ProductTypeDraft.model_validate(
        {"key": "shirt", "name": "Shirt", "description": "Shirts"}
    )
    assert pt_actions(absent, pt_current()) == []  # not named: left as it is
    assert pt_actions(absent, pt_current(), replace=True) == removed


def test_change_label() -> None:
    draft = product_type(attributes=[{**SIZE, "label": {"en": "Shirt size"}}, COLOR])
    assert pt_actions(draft, pt_current()) == [
        {"action": "changeLabel", "attributeName": "size", "label": {"en": "Shirt size"}}
    ]


def test_set_and_unset_input_tip() -> None:
    tip = {"en": "S to XL"}
    with_tip = product_type(attributes=[{**SIZE, "inputTip": tip}, COLOR])
    assert pt_actions(with_tip, pt_current()) == [
        {"action": "setInputTip", "attributeName": "size", "inputTip": tip}
    ]
    has_tip = pt_current(size={"inputTip": tip})
    assert pt_actions(with_tip, has_tip) == []
    assert pt_actions(product_type(), has_tip) == []  # not named: left as it is
    unset = [{"action": "setInputTip", "attributeName": "size"}]
    assert (
        pt_actions(product_type(attributes=[{**SIZE, "inputTip": None}, COLOR]), has_tip) == unset
    )
    assert pt_actions(product_type(), has_tip, replace=True) == unset


@pytest.mark.parametrize(
    ("field", "value", "action"),
    [
        ("isSearchable", False, {"action": "changeIsSearchable", "isSearchable": False}),
        ("inputHint", "MultiLine", {"action": "changeInputHint", "newValue": "MultiLine"}),
    ],
)
def test_attribute_settings_change_when_named(field: str, value: Any, action: Any) -> None:
    draft = product_type(attributes=[{**SIZE, field: value}, COLOR])
    assert pt_actions(draft, pt_current()) == [{**action, "attributeName": "size"}]
    changed = pt_current(size={field: value})
    assert pt_actions(draft, changed) == []
    assert pt_actions(product_type(), changed) == []  # not named: left as it is
    assert pt_actions(product_type(), changed, replace=True) != []  # replace: the default


def test_attribute_constraint_changes_to_none() -> None:
    unique = pt_current(size={"attributeConstraint": "SameForAll"})
    draft = product_type(attributes=[{**SIZE, "attributeConstraint": "None"}, COLOR])
    assert pt_actions(draft, unique) == [
        {"action": "changeAttributeConstraint", "attributeName": "size", "newValue": "None"}
    ]
    assert pt_actions(draft, pt_current()) == []
    assert pt_actions(product_type(), unique) == []  # not named: left as it is


def test_unchangeable_attribute_fails_the_record() -> None:
    as_text = product_type(attributes=[{**SIZE, "type": {"name": "text"}}, COLOR])
    with pytest.raises(
        UnchangeableAttribute, match="'size' is of type enum, the draft makes it text"
    ):
        pt_actions(as_text, pt_current())
    assert issubclass(UnchangeableAttribute, CommercetoolsError)  # the push fails that record only
    required = product_type(attributes=[{**SIZE, "isRequired": True}, COLOR])
    with pytest.raises(UnchangeableAttribute, match="isRequired"):
        pt_actions(required, pt_current())
    unique = product_type(attributes=[{**SIZE, "attributeConstraint": "Unique"}, COLOR])
    with pytest.raises(UnchangeableAttribute, match="only to None"):
        pt_actions(unique, pt_current())


def size_values(*values: tuple[str, str]) -> ProductTypeDraft:
    enum = {"name": "enum", "values": [{"key": k, "label": v} for k, v in values]}
    return product_type(attributes=[{**SIZE, "type": enum}, COLOR])


def test_plain_enum_values() -> None:
    current = pt_current()
    assert pt_actions(size_values(("s", "S"), ("m", "M")), current) == []
    assert pt_actions(size_values(("s", "S"), ("m", "M"), ("l", "L")), current) == [
        {
            "action": "addPlainEnumValue",
            "attributeName": "size",
            "value": {"key": "l", "label": "L"},
        }
    ]
    assert pt_actions(size_values(("s", "Small"), ("m", "M")), current) == [
        {
            "action": "changePlainEnumValueLabel",
            "attributeName": "size",
            "newValue": {"key": "s", "label": "Small"},
        }
    ]
    assert pt_actions(size_values(("m", "M")), current) == [
        {"action": "removeEnumValues", "attributeName": "size", "keys": ["s"]}
    ]
    assert pt_actions(size_values(("small", "S"), ("m", "M")), current) == [
        {"action": "changeEnumKey", "attributeName": "size", "key": "s", "newKey": "small"}
    ]
    assert pt_actions(size_values(("m", "M"), ("s", "S")), current) == [
        {
            "action": "changePlainEnumValueOrder",
            "attributeName": "size",
            "values": [{"key": "m", "label": "M"}, {"key": "s", "label": "S"}],
        }
    ]


def colors(*values: tuple[str, str]) -> ProductTypeDraft:
    lenum = {"name": "lenum", "values": [{"key": k, "label": {"en": v}} for k, v in values]}
    color = {**COLOR, "type": {"name": "set", "elementType": lenum}}
    return product_type(attributes=[SIZE, color])


def test_localized_enum_values_of_a_set() -> None:
    current = pt_current()
    assert pt_actions(colors(("red", "Red")), current) == []
    assert pt_actions(colors(("red", "Red"), ("blue", "Blue")), current) == [
        {
            "action": "addLocalizedEnumValue",
            "attributeName": "color",
            "value": {"key": "blue", "label": {"en": "Blue"}},
        }
    ]
    assert pt_actions(colors(("red", "Rot")), current) == [
        {
            "action": "changeLocalizedEnumValueLabel",
            "attributeName": "color",
            "newValue": {"key": "red", "label": {"en": "Rot"}},
        }
    ]
    with_blue = pt_actions(colors(("red", "Red"), ("blue", "Blue")), current)[0]["value"]
    two = pt_current(
        color={
            "type": {
                "name": "set",
                "elementType": {
                    "name": "lenum",
                    "values": [{"key": "red", "label": {"en": "Red"}}, with_blue],
                },
            }
        }
    )
    assert pt_actions(colors(("blue", "Blue"), ("red", "Red")), two)[0]["action"] == (
        "changeLocalizedEnumValueOrder"
    )


def test_enum_drafts_need_matching_labels() -> None:
    with pytest.raises(ValueError, match="need text labels"):
        product_type(
            attributes=[
                {**SIZE, "type": {"name": "enum", "values": [{"key": "s", "label": {"en": "S"}}]}}
            ]
        )
    with pytest.raises(ValueError, match="needs referenceTypeId"):
        product_type(attributes=[{**SIZE, "type": {"name": "reference"}}])


NESTED = {
    "name": "dimensions",
    "label": {"en": "Dimensions"},
    "type": {"name": "nested", "typeReference": "dimensions"},
}


def test_nested_types_refer_by_key_and_come_after_them() -> None:
    draft = product_type(attributes=[NESTED])
    assert PRODUCT_TYPES.references(draft) == [("product-type", "dimensions")]
    assert PRODUCT_TYPES.parent is not None
    assert PRODUCT_TYPES.parent(draft) == "key dimensions"
    created = product_type_create(draft, IDS)
    assert created["attributes"][0]["type"] == {
        "name": "nested",
        "typeReference": {"typeId": "product-type", "id": "pt-dim"},
    }
    assert pt_actions(draft, stored(created)) == []


def test_product_type_round_trip() -> None:
    draft = product_type(attributes=[SIZE, COLOR, {**NESTED, "inputTip": {"en": "cm"}}])
    resource = stored(product_type_create(draft, IDS), lastModifiedAt="2024-01-02T00:00:00Z")
    assert PRODUCT_TYPES.to_draft is not None
    copied = PRODUCT_TYPES.model.model_validate(PRODUCT_TYPES.to_draft(resource, key_of))
    assert product_type_create(copied, IDS) == product_type_create(draft, IDS)
    assert "id" not in PRODUCT_TYPES.to_draft(resource, key_of)
    with pytest.raises(NotCopyable, match="product-type r-1 has no key"):
        PRODUCT_TYPES.to_draft({**resource, "key": None}, key_of)
    unknown = dict(resource)
    unknown["attributes"] = [
        {
            **NESTED,
            "type": {"name": "nested", "typeReference": {"typeId": "product-type", "id": "x"}},
        }
    ]
    with pytest.raises(NotCopyable, match="product-type x has no key"):
        PRODUCT_TYPES.to_draft(unknown, key_of)


# --- channels ---------------------------------------------------------------------------------


def channel(**fields: Any) -> ChannelDraft:
    return ChannelDraft.model_validate({"key": "eu", **fields})


CHANNEL: dict[str, Any] = {
    "id": "chan-1",
    "version": 2,
    "key": "eu",
    "roles": ["InventorySupply"],
    "name": {"en": "Europe"},
}


def test_equal_channel_needs_no_action() -> None:
    assert channel_actions(channel(name={"en": "Europe"}), CHANNEL, IDS) == []
    assert channel_actions(channel(), CHANNEL, IDS, replace=True) == []  # default role


def test_channel_name_and_description_change_but_never_unset() -> None:
    assert channel_actions(channel(name={"en": "EU"}, description={"en": "D"}), CHANNEL, IDS) == [
        {"action": "changeName", "name": {"en": "EU"}},
        {"action": "changeDescription", "description": {"en": "D"}},
    ]
    assert channel_actions(channel(name=None), CHANNEL, IDS) == []


def test_channel_roles_are_the_desired_set() -> None:
    both = channel(roles=["InventorySupply", "ProductDistribution"])
    assert channel_actions(both, CHANNEL, IDS) == [
        {"action": "addRoles", "roles": ["ProductDistribution"]}
    ]
    assert channel_actions(channel(roles=["Primary"]), CHANNEL, IDS) == [
        {"action": "addRoles", "roles": ["Primary"]},
        {"action": "removeRoles", "roles": ["InventorySupply"]},
    ]
    assert channel_actions(channel(roles=None), CHANNEL, IDS) == [
        {"action": "removeRoles", "roles": ["InventorySupply"]}
    ]
    assert channel_actions(channel(roles=["InventorySupply"]), CHANNEL, IDS) == []


def test_channel_address_and_geo_location() -> None:
    address = {"country": "DE", "city": "Berlin"}
    point = {"type": "Point", "coordinates": [13.4, 52.5]}
    draft = channel(address=address, geoLocation={"coordinates": [13.4, 52.5]})
    assert channel_actions(draft, CHANNEL, IDS) == [
        {"action": "setAddress", "address": address},
        {"action": "setGeoLocation", "geoLocation": point},
    ]
    has = {**CHANNEL, "address": {"id": "a1", **address, "streetName": ""}, "geoLocation": point}
    assert channel_actions(draft, has, IDS) == []
    assert channel_actions(channel(), has, IDS) == []
    unset = [{"action": "setAddress"}, {"action": "setGeoLocation"}]
    assert channel_actions(channel(address=None, geoLocation=None), has, IDS) == unset
    assert channel_actions(channel(roles=["InventorySupply"]), has, IDS, replace=True) == unset


def test_channel_custom_fields() -> None:
    draft = channel(custom={"type": "extra", "fields": {"code": "E1"}})
    assert channel_actions(draft, CHANNEL, IDS) == [
        {
            "action": "setCustomType",
            "type": {"typeId": "type", "id": "type-1"},
            "fields": {"code": "E1"},
        }
    ]
    has = {**CHANNEL, "custom": {"type": {"typeId": "type", "id": "type-1"}, "fields": {}}}
    assert channel_actions(draft, has, IDS) == [
        {"action": "setCustomField", "name": "code", "value": "E1"}
    ]
    assert channel_actions(channel(custom=None), has, IDS) == [{"action": "setCustomType"}]


def test_channel_round_trip() -> None:
    draft = channel(
        roles=["ProductDistribution"],
        name={"en": "Europe"},
        address={"country": "DE", "key": "hq"},
        geoLocation={"coordinates": [1.5, 2]},
        custom={"type": "extra", "fields": {"code": "E1"}},
    )
    resource = stored(channel_create(draft, IDS))
    resource["address"] = {"id": "addr-1", **resource["address"]}
    assert CHANNELS.to_draft is not None
    copied = CHANNELS.model.model_validate(CHANNELS.to_draft(resource, key_of))
    assert channel_create(copied, IDS) == channel_create(draft, IDS)
    assert channel_actions(copied, resource, IDS, replace=True) == []
    with pytest.raises(NotCopyable, match="type nope has no key"):
        custom = {"type": {"typeId": "type", "id": "nope"}, "fields": {}}
        CHANNELS.to_draft({**resource, "custom": custom}, key_of)


# --- customer groups --------------------------------------------------------------------------


def group(**fields: Any) -> CustomerGroupDraft:
    return CustomerGroupDraft.model_validate({"key": "vip", "groupName": "VIP", **fields})


GROUP: dict[str, Any] = {"id": "g1", "version": 1, "key": "vip", "name": "VIP"}


def test_customer_group_change_name_and_custom() -> None:
    assert customer_group_actions(group(), GROUP, IDS) == []
    assert customer_group_actions(group(groupName="Gold"), GROUP, IDS) == [
        {"action": "changeName", "name": "Gold"}
    ]
    draft = group(custom={"type": "extra", "fields": {"tier": 1}})
    has = {**GROUP, "custom": {"type": {"typeId": "type", "id": "type-1"}, "fields": {"tier": 2}}}
    assert customer_group_actions(draft, has, IDS) == [
        {"action": "setCustomField", "name": "tier", "value": 1}
    ]
    assert customer_group_actions(group(), has, IDS) == []
    assert customer_group_actions(group(), has, IDS, replace=True) == [{"action": "setCustomType"}]


def test_customer_group_round_trip() -> None:
    draft = group(custom={"type": "other", "fields": {"tier": 1}})
    document = customer_group_create(draft, IDS)
    resource = stored({"key": "vip", "name": document["groupName"], "custom": document["custom"]})
    assert CUSTOMER_GROUPS.to_draft is not None
    copied = CUSTOMER_GROUPS.model.model_validate(CUSTOMER_GROUPS.to_draft(resource, key_of))
    assert customer_group_create(copied, IDS) == document
    with pytest.raises(NotCopyable, match="customer-group r-1 has no key"):
        CUSTOMER_GROUPS.to_draft({**resource, "key": ""}, key_of)


# --- stores -----------------------------------------------------------------------------------


def store(**fields: Any) -> StoreDraft:
    return StoreDraft.model_validate({"key": "berlin", **fields})


STORE: dict[str, Any] = {
    "id": "s1",
    "version": 1,
    "key": "berlin",
    "name": {"en": "Berlin"},
    "languages": ["en", "de"],
    "countries": [{"code": "DE"}],
    "distributionChannels": [{"typeId": "channel", "id": "chan-1"}],
    "supplyChannels": [],
    "productSelections": [
        {"productSelection": {"typeId": "product-selection", "id": "sel-1"}, "active": True}
    ],
}
SAME_STORE = {
    "name": {"en": "Berlin"},
    "languages": ["de", "en"],
    "countries": ["DE"],
    "distributionChannels": ["eu"],
    "supplyChannels": [],
    "productSelections": [{"productSelection": "summer", "active": True}],
}


def test_equal_store_needs_no_action() -> None:
    assert store_actions(store(**SAME_STORE), STORE, IDS) == []
    assert store_actions(store(**SAME_STORE), STORE, IDS, replace=True) == []
    assert store_actions(store(), STORE, IDS) == []


@pytest.mark.parametrize(
    ("field", "value", "action", "sent"),
    [
        ("name", {"en": "B"}, "setName", {"en": "B"}),
        ("languages", ["en"], "setLanguages", ["en"]),
        ("countries", [{"code": "AT"}], "setCountries", [{"code": "AT"}]),
        (
            "distributionChannels",
            ["eu", "us"],
            "setDistributionChannels",
            [{"typeId": "channel", "id": "chan-1"}, {"typeId": "channel", "id": "chan-2"}],
        ),
        ("supplyChannels", ["us"], "setSupplyChannels", [{"typeId": "channel", "id": "chan-2"}]),
        (
            "productSelections",
            [{"productSelection": "summer"}],
            "setProductSelections",
            [
                {
                    "productSelection": {"typeId": "product-selection", "id": "sel-1"},
                    "active": False,
                }
            ],
        ),
    ],
)
def test_store_field_set_and_unset(field: str, value: Any, action: str, sent: Any) -> None:
    assert store_actions(store(**{**SAME_STORE, field: value}), STORE, IDS) == [
        {"action": action, field: sent}
    ]
    changed = {**STORE, field: sent}
    assert store_actions(store(**{**SAME_STORE, field: value}), changed, IDS) == []
    if field != "supplyChannels":
        assert store_actions(store(**{field: None}), STORE, IDS) == [{"action": action}]
        others = {k: v for k, v in SAME_STORE.items() if k != field}
        assert store_actions(store(**others), STORE, IDS, replace=True) == [{"action": action}]


def test_store_references() -> None:
    draft = store(**{**SAME_STORE, "supplyChannels": ["us"]}, custom={"type": "extra"})
    assert STORES.references(draft) == [
        ("channel", "eu"),
        ("channel", "us"),
        ("product-selection", "summer"),
        ("type", "extra"),
    ]


def test_store_round_trip() -> None:
    draft = store(**SAME_STORE, custom={"type": "extra", "fields": {"x": 1}})
    resource = stored(store_create(draft, IDS))
    assert STORES.to_draft is not None
    copied = STORES.model.model_validate(STORES.to_draft(resource, key_of))
    assert store_create(copied, IDS) == store_create(draft, IDS)
    assert store_actions(copied, resource, IDS, replace=True) == []
    lost = {**resource, "supplyChannels": [{"typeId": "channel", "id": "gone"}]}
    with pytest.raises(NotCopyable, match="channel gone has no key"):
        STORES.to_draft(lost, key_of)
    with pytest.raises(NotCopyable, match="store r-1 has no key"):
        STORES.to_draft({**resource, "key": None}, key_of)
